// webhook-notifier: delivers every event of the log to every matching channel.
#include <signal.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "eventlog/file_event_log.h"
#include "notifier/notifier.h"
#include "notifier/transport.h"
#include "store/lmdb_delivery_store.h"
#include "store/lmdb_store.h"

namespace po = boost::program_options;

namespace {

struct Flags {
  std::string data_dir;
  std::string config;
  std::string retry_schedule;
  std::vector<std::string> allow_cidr;
  webhooks::NotifierOptions options;
};

po::options_description Describe(Flags& f) {
  auto& e = f.options.dispatch.endpoints;
  po::options_description desc(
      "webhook-notifier: delivers events to HTTP, Slack, email and SMS channels.\n"
      "Usage: webhook-notifier --data-dir DIR [--config FILE] [options]\n"
      "Every option may also be given in the config file as name=value.\nOptions");
  desc.add_options()("help,h", "print this help and exit")(
      "data-dir", po::value(&f.data_dir), "data directory (LMDB in DIR/db, events in DIR/events)")(
      "config", po::value(&f.config), "config file of name=value lines")(
      "slack-api-url", po::value(&e.slack_api_url)->default_value("https://slack.com/api"),
      "Slack Web API base URL")(
      "twilio-api-url", po::value(&e.twilio_api_url)->default_value("https://api.twilio.com"),
      "Twilio API base URL")("twilio-account-sid", po::value(&e.twilio_account_sid),
                             "Twilio account SID (SMS)")(
      "twilio-auth-token", po::value(&e.twilio_auth_token), "Twilio auth token (SMS)")(
      "sms-from", po::value(&e.sms_from), "SMS sender number")(
      "smtp-url", po::value(&e.smtp_url), "SMTP server, e.g. smtp://127.0.0.1:2525")(
      "smtp-from", po::value(&e.smtp_from), "e-mail sender address")(
      "mail-domain", po::value(&e.mail_domain)->default_value("webhooks.invalid"),
      "domain of generated Message-IDs")(
      "retry-schedule", po::value(&f.retry_schedule)->default_value("0,5s,5m,30m,2h,5h,10h,10h"),
      "delays before each attempt (ms, s, m, h)")(
      "allow-cidr", po::value(&f.allow_cidr)->composing(),
      "let the SSRF guard through to this CIDR (repeatable)")(
      "per-endpoint-concurrency",
      po::value(&f.options.dispatch.per_endpoint_concurrency)->default_value(8),
      "attempts in flight per endpoint at most")(
      "poll-interval-ms", po::value(&f.options.poll_interval_ms)->default_value(20),
      "how often the log and the retry queue are polled");
  return desc;
}

// Returns false (with *code set) when the process should exit now.
bool ParseFlags(int argc, char** argv, Flags* f, int* code) {
  po::options_description desc = Describe(*f);
  try {
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, desc), vm);
    if (vm.count("help")) {
      std::cout << desc << "\n";
      *code = 0;
      return false;
    }
    if (vm.count("config")) {
      std::ifstream in(vm["config"].as<std::string>());
      if (!in) throw po::error("cannot read config file " + vm["config"].as<std::string>());
      po::store(po::parse_config_file(in, desc), vm);
    }
    po::notify(vm);
    if (f->data_dir.empty()) throw po::error("--data-dir is required");
    auto schedule = webhooks::RetrySchedule::Parse(f->retry_schedule);
    if (!schedule.ok()) throw po::error(std::string(schedule.status().message()));
    f->options.schedule = *schedule;
    for (const std::string& c : f->allow_cidr) {
      auto cidr = webhooks::Cidr::Parse(c);
      if (!cidr.ok()) throw po::error("bad --allow-cidr " + c);
      f->options.dispatch.allow_cidrs.push_back(*cidr);
    }
  } catch (const po::error& e) {
    std::cerr << "webhook-notifier: " << e.what() << "\n" << desc << "\n";
    *code = 2;
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  int code = 0;
  if (!ParseFlags(argc, argv, &flags, &code)) return code;
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto store = webhooks::LmdbStore::Open(flags.data_dir);
  if (!store.ok()) {
    std::fprintf(stderr, "level=fatal msg=\"cannot open store\" error=\"%s\"\n",
                 std::string(store.status().message()).c_str());
    return 1;
  }
  auto log = webhooks::OpenFileEventSource(flags.data_dir + "/events");
  if (!log.ok()) {
    std::fprintf(stderr, "level=fatal msg=\"cannot open event log\" error=\"%s\"\n",
                 std::string(log.status().message()).c_str());
    return 1;
  }
  webhooks::LmdbDeliveryStore deliveries((*store)->env());
  std::unique_ptr<webhooks::Transport> transport = webhooks::NewCurlTransport();
  webhooks::Notifier notifier(flags.options, **store, deliveries, **log, *transport,
                              webhooks::SystemClock());
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::fprintf(stderr, "level=info msg=\"stopping\" signal=%d\n", sig);
    notifier.Stop();
  });
  std::fprintf(stderr, "level=info msg=\"notifier started\" data_dir=\"%s\"\n",
               flags.data_dir.c_str());
  notifier.Run();
  signal_thread.join();
  std::fprintf(stderr, "level=info msg=\"notifier stopped\"\n");
  return 0;
}
