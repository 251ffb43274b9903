// webhook-api: the FastCGI responder behind nginx.
#include <signal.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include "fcgi/fcgi_server.h"
#include "fcgi/router.h"
#include "eventlog/file_event_log.h"
#include "store/lmdb_delivery_store.h"
#include "store/lmdb_store.h"

namespace po = boost::program_options;

namespace {

struct Flags {
  std::string data_dir;
  std::string socket_path;
  std::string socket_mode = "0660";
  int threads = 16;
  size_t map_size_mb = 64;
};

// Parses argv; returns false (after printing why) when the process should exit, with *code set.
bool ParseFlags(int argc, char** argv, Flags* f, int* code) {
  po::options_description desc(
      "webhook-api: the organization webhooks REST API, a FastCGI responder for nginx.\n"
      "Usage: webhook-api --data-dir DIR [options]\nOptions");
  desc.add_options()("help,h", "print this help and exit")(
      "data-dir", po::value(&f->data_dir)->required(), "data directory (LMDB in DIR/db)")(
      "socket", po::value(&f->socket_path), "unix socket to listen on (default DIR/api.sock)")(
      "socket-mode", po::value(&f->socket_mode)->default_value("0660"),
      "permissions of the socket (octal); nginx's workers must be able to connect")(
      "threads", po::value(&f->threads)->default_value(16), "request threads")(
      "map-size-mb", po::value(&f->map_size_mb)->default_value(64),
      "initial LMDB map size in MiB (it grows when full)");
  try {
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, desc), vm);
    if (vm.count("help")) {
      std::cout << desc << "\n";
      *code = 0;
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "webhook-api: " << e.what() << "\n" << desc << "\n";
    *code = 2;
    return false;
  }
  if (f->socket_path.empty()) f->socket_path = f->data_dir + "/api.sock";
  if (f->threads < 1 || f->threads > 1024) {
    std::cerr << "webhook-api: --threads must be 1..1024\n";
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

  // SIGTERM/SIGINT are taken by a dedicated thread (libfcgi's own handler would swallow them).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  webhooks::LmdbOptions lmdb_options;
  lmdb_options.initial_map_size = flags.map_size_mb << 20;
  auto store = webhooks::LmdbStore::Open(flags.data_dir, lmdb_options);
  if (!store.ok()) {
    std::fprintf(stderr, "level=fatal msg=\"cannot open store\" error=\"%s\"\n",
                 std::string(store.status().message()).c_str());
    return 1;
  }
  webhooks::FcgiServerOptions server_options;
  server_options.socket_path = flags.socket_path;
  server_options.socket_mode = static_cast<unsigned>(std::stoul(flags.socket_mode, nullptr, 8));
  server_options.threads = flags.threads;
  auto server = webhooks::FcgiServer::Listen(server_options);
  if (!server.ok()) {
    std::fprintf(stderr, "level=fatal msg=\"cannot listen\" error=\"%s\"\n",
                 std::string(server.status().message()).c_str());
    return 1;
  }

  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::fprintf(stderr, "level=info msg=\"stopping\" signal=%d\n", sig);
    (*server)->Shutdown();
  });

  auto events = webhooks::OpenFileEventAppender(flags.data_dir + "/events");
  if (!events.ok()) {
    std::fprintf(stderr, "level=fatal msg=\"cannot open event log\" error=\"%s\"\n",
                 std::string(events.status().message()).c_str());
    return 1;
  }
  webhooks::LmdbDeliveryStore deliveries((*store)->env());
  webhooks::Services services{**store, **store, webhooks::SystemClock(), &deliveries,
                              events->get()};
  std::fprintf(stderr, "level=info msg=\"listening\" socket=\"%s\" threads=%d\n",
               flags.socket_path.c_str(), flags.threads);
  (*server)->Serve([&](const webhooks::HttpRequest& r) { return webhooks::Dispatch(services, r); });
  signal_thread.join();
  std::fprintf(stderr, "level=info msg=\"stopped\"\n");
  return 0;
}
