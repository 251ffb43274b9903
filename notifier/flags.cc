#include "notifier/flags.h"

#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>
#include <optional>

#include "common/time_format.h"
#include "model/retry_schedule.h"
#include "notifier/ssrf_guard.h"

namespace webhooks::notifier_flags {
namespace {

namespace po = boost::program_options;

po::options_description Describe(Flags& f) {
  auto& e = f.options.dispatch.endpoints;
  po::options_description desc(
      "webhook-notifier: delivers events to HTTP, Slack, email and SMS channels.\n"
      "Usage: webhook-notifier --data-dir DIR [--config FILE] [options]\n"
      "Every option may also be given in the config file as name=value.\nOptions");
  desc.add_options()("help,h", "print this help and exit")(
      "data-dir", po::value(&f.data_dir), "data directory (LMDB in DIR/db, events in DIR/events)")(
      "config", po::value(&f.config), "config file of name=value lines (re-read on SIGHUP)")(
      "config-optional", po::bool_switch(&f.config_optional),
      "a missing --config file is not an error (the systemd unit's default)")(
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
      "delays before each attempt (ms, s, m, h, d)")(
      "event-retention", po::value(&f.event_retention)->default_value("24h"),
      "how long an event log segment is kept after its last write once every event in it is "
      "queued for delivery (ms, s, m, h, d; 0: at once)")(
      "delivery-retention", po::value(&f.delivery_retention)->default_value("30d"),
      "how long finished deliveries, their attempts and producers' event ids stay in the store "
      "(ms, s, m, h, d; forever: never removed)")(
      "disable-after", po::value(&f.disable_after)->default_value("5d"),
      "disable a channel whose attempts have all failed for this long, when one more of its "
      "deliveries fails for good; a PUT of the webhook enables it again (ms, s, m, h, d; never: "
      "only a 410 Gone disables)")("allow-cidr", po::value(&f.allow_cidr)->composing(),
                                   "let the SSRF guard through to this CIDR (repeatable)")(
      "per-endpoint-concurrency",
      po::value(&f.options.dispatch.per_endpoint_concurrency)->default_value(8),
      "attempts in flight per endpoint at most")(
      "transport-threads", po::value(&f.transport_threads)->default_value(2),
      "threads sending requests (each with its own connections), 1-64")(
      "poll-interval-ms", po::value(&f.options.poll_interval_ms)->default_value(20),
      "how often the log and the retry queue are polled")(
      "metrics-file", po::value(&f.metrics_file),
      "keep this file up to date with Prometheus metrics in the text format, e.g. for "
      "node_exporter's textfile collector (read at start, not on reload)")(
      "metrics-interval-ms", po::value(&f.metrics_interval_ms)->default_value(5000),
      "how often --metrics-file is rewritten");
  return desc;
}

// A duration flag that `never_word` turns off (nullopt). Throws po::error when malformed.
std::optional<std::chrono::milliseconds> OptionalDuration(const std::string& name,
                                                          const std::string& text,
                                                          const char* never_word) {
  if (text == never_word) return std::nullopt;
  std::optional<int64_t> ms = ParseDurationMs(text);
  if (!ms) throw po::error("bad --" + name + " " + text);
  return std::chrono::milliseconds(*ms);
}

}  // namespace

bool ParseFlags(int argc, char** argv, Flags* f, int* code, std::string* error) {
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
      const std::string path = vm["config"].as<std::string>();
      std::ifstream in(path);
      if (in) {
        po::store(po::parse_config_file(in, desc), vm);
      } else if (!(vm.count("config-optional") && vm["config-optional"].as<bool>())) {
        throw po::error("cannot read config file " + path);
      }
    }
    po::notify(vm);
    if (f->data_dir.empty()) throw po::error("--data-dir is required");
    auto schedule = RetrySchedule::Parse(f->retry_schedule);
    if (!schedule.ok()) throw po::error(std::string(schedule.status().message()));
    f->options.schedule = *schedule;
    std::optional<int64_t> retention = ParseDurationMs(f->event_retention);
    if (!retention) throw po::error("bad --event-retention " + f->event_retention);
    f->options.event_retention = std::chrono::milliseconds(*retention);
    f->options.delivery_retention =
        OptionalDuration("delivery-retention", f->delivery_retention, "forever");
    f->options.disable_failing_after = OptionalDuration("disable-after", f->disable_after, "never");
    if (f->options.disable_failing_after && f->options.disable_failing_after->count() == 0) {
      throw po::error("--disable-after must be more than 0 (or never)");
    }
    for (const std::string& c : f->allow_cidr) {
      auto cidr = Cidr::Parse(c);
      if (!cidr.ok()) throw po::error("bad --allow-cidr " + c);
      f->options.dispatch.allow_cidrs.push_back(*cidr);
    }
    if (f->options.dispatch.per_endpoint_concurrency == 0) {
      throw po::error("--per-endpoint-concurrency must be >= 1");
    }
    if (f->transport_threads == 0 || f->transport_threads > 64) {
      throw po::error("--transport-threads must be between 1 and 64");
    }
    if (f->metrics_interval_ms < 50) throw po::error("--metrics-interval-ms must be >= 50");
  } catch (const po::error& e) {
    // boost's messages quote the offending value only for options that must be numbers or
    // switches; the secret-bearing options are plain strings and never fail to parse.
    *error = e.what();
    *code = 2;
    return false;
  }
  return true;
}

}  // namespace webhooks::notifier_flags
