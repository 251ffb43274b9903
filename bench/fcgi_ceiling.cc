// fcgi_ceiling: the smallest useful FastCGI responder, the ceiling bench/run compares
// webhook-api against. N threads take turns in FCGX_Accept_r (under a mutex, as libfcgi's
// threaded example does); every request does one LMDB read (read transaction + mdb_get) of a
// ~600-byte JSON record and answers it with Status 200. Nothing else: no routing, no auth, no
// JSON parsing.
//
//   fcgi_ceiling --socket PATH --db DIR [--threads N (default 4)] [--socket-mode 0666]
//
// Creates DIR and the record at startup. SIGTERM/SIGINT: stop accepting and exit 0.
#include <fcgiapp.h>
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr char kKey[] = "org_bench/wh_ceiling01";

std::mutex g_accept_mu;
std::atomic<bool> g_stopping{false};
int g_listen_fd = -1;
MDB_env* g_env = nullptr;
MDB_dbi g_dbi = 0;

[[noreturn]] void Die(const std::string& what, int rc) {
  std::fprintf(stderr, "fcgi_ceiling: %s: %s\n", what.c_str(),
               rc > 0 ? mdb_strerror(rc) : std::strerror(errno));
  std::exit(1);
}

// A record about the size of a stored webhook (~600 bytes of JSON).
std::string MakeRecord() {
  std::string r =
      "{\"webhook_id\":\"wh_ceiling01\",\"webhook_name\":\"bench ceiling record\","
      "\"description\":\"A record of about the size of a stored webhook, read once per request.\","
      "\"event_types\":[\"*\"],\"channels\":[{\"channel\":\"webhook\",\"configs\":{\"url\":"
      "\"https://hooks.example.com/bench/endpoint\",\"headers\":{\"X-Bench\":\"1\"},"
      "\"payload_template\":null,\"timeout\":10}}],\"is_active\":true,"
      "\"created_at\":\"2025-01-01T00:00:00Z\",\"updated_at\":\"2025-01-01T00:00:00Z\","
      "\"padding\":\"";
  while (r.size() < 596) r += 'x';
  r += "\"}";
  return r;
}

void OpenDb(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "fcgi_ceiling: cannot create %s: %s\n", dir.c_str(), ec.message().c_str());
    std::exit(1);
  }
  if (int rc = mdb_env_create(&g_env); rc != 0) Die("mdb_env_create", rc);
  mdb_env_set_maxreaders(g_env, 1024);
  mdb_env_set_mapsize(g_env, size_t{64} << 20);
  if (int rc = mdb_env_open(g_env, dir.c_str(), 0, 0644); rc != 0) Die("mdb_env_open " + dir, rc);
  MDB_txn* txn = nullptr;
  if (int rc = mdb_txn_begin(g_env, nullptr, 0, &txn); rc != 0) Die("mdb_txn_begin", rc);
  if (int rc = mdb_dbi_open(txn, nullptr, 0, &g_dbi); rc != 0) Die("mdb_dbi_open", rc);
  std::string record = MakeRecord();
  MDB_val k{sizeof(kKey) - 1, const_cast<char*>(kKey)};
  MDB_val v{record.size(), record.data()};
  if (int rc = mdb_put(txn, g_dbi, &k, &v, 0); rc != 0) Die("mdb_put", rc);
  if (int rc = mdb_txn_commit(txn); rc != 0) Die("mdb_txn_commit", rc);
}

void Serve(int id) {
  FCGX_Request req;
  if (FCGX_InitRequest(&req, g_listen_fd, 0) != 0) {
    std::fprintf(stderr, "fcgi_ceiling: FCGX_InitRequest failed in thread %d\n", id);
    return;
  }
  for (;;) {
    int rc;
    {
      std::lock_guard<std::mutex> lock(g_accept_mu);
      if (g_stopping.load()) break;
      rc = FCGX_Accept_r(&req);
    }
    if (rc < 0) break;  // listen socket shut down (or a fatal accept error)
    MDB_txn* txn = nullptr;
    MDB_val k{sizeof(kKey) - 1, const_cast<char*>(kKey)};
    MDB_val v{0, nullptr};
    int mrc = mdb_txn_begin(g_env, nullptr, MDB_RDONLY, &txn);
    if (mrc == 0) mrc = mdb_get(txn, g_dbi, &k, &v);
    if (mrc == 0) {
      static const char kHeaders[] = "Status: 200 OK\r\nContent-Type: application/json\r\n";
      char len[64];
      int n = std::snprintf(len, sizeof(len), "Content-Length: %zu\r\n\r\n", v.mv_size);
      FCGX_PutStr(kHeaders, sizeof(kHeaders) - 1, req.out);
      FCGX_PutStr(len, n, req.out);
      FCGX_PutStr(static_cast<const char*>(v.mv_data), static_cast<int>(v.mv_size), req.out);
    } else {
      static const char kError[] =
          "Status: 500 Internal Server Error\r\nContent-Type: application/json\r\n\r\n"
          "{\"error\":\"lmdb\"}";
      FCGX_PutStr(kError, sizeof(kError) - 1, req.out);
    }
    if (txn != nullptr) mdb_txn_abort(txn);
    FCGX_Finish_r(&req);
  }
  FCGX_Free(&req, 1);
}

}  // namespace

int main(int argc, char** argv) {
  std::string socket_path, db_dir, socket_mode = "0666";
  int threads = 4;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "fcgi_ceiling: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--socket") {
      socket_path = next();
    } else if (a == "--db") {
      db_dir = next();
    } else if (a == "--threads") {
      threads = std::atoi(next().c_str());
    } else if (a == "--socket-mode") {
      socket_mode = next();
    } else if (a == "-h" || a == "--help") {
      std::printf(
          "usage: fcgi_ceiling --socket PATH --db DIR [--threads N] [--socket-mode 0666]\n");
      return 0;
    } else {
      std::fprintf(stderr, "fcgi_ceiling: unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  if (socket_path.empty() || db_dir.empty() || threads < 1 || threads > 1024) {
    std::fprintf(stderr, "usage: fcgi_ceiling --socket PATH --db DIR [--threads N (1..1024)]\n");
    return 2;
  }

  // Stop signals go to a dedicated sigwait thread; libfcgi's own handler would swallow them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  OpenDb(db_dir);

  if (FCGX_Init() != 0) {
    std::fprintf(stderr, "fcgi_ceiling: FCGX_Init failed\n");
    return 1;
  }
  unlink(socket_path.c_str());
  g_listen_fd = FCGX_OpenSocket(socket_path.c_str(), 1024);
  if (g_listen_fd < 0) Die("FCGX_OpenSocket " + socket_path, 0);
  chmod(socket_path.c_str(), static_cast<mode_t>(std::strtol(socket_mode.c_str(), nullptr, 8)));

  std::thread stopper([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    g_stopping.store(true);
    FCGX_ShutdownPending();
    shutdown(g_listen_fd, SHUT_RDWR);  // wakes the thread blocked in accept()
  });

  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) workers.emplace_back(Serve, i);
  std::fprintf(stderr, "fcgi_ceiling: listening on %s with %d threads\n", socket_path.c_str(),
               threads);
  for (std::thread& t : workers) t.join();
  // Every worker ended on its own (accept failure) before a signal: wake the stopper.
  if (!g_stopping.load()) kill(getpid(), SIGTERM);
  stopper.join();
  close(g_listen_fd);
  unlink(socket_path.c_str());
  mdb_env_close(g_env);
  return 0;
}
