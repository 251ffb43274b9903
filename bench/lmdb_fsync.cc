// lmdb_fsync: LMDB's durable write rate with one transaction per write, the baseline bench/run
// compares webhook-api's creates/s against. Opens an environment with default (durable) flags in a
// fresh directory and commits single-put write transactions of a ~600-byte value, one at a time,
// until --count transactions are done or --seconds have passed. Prints the rate.
//
//   lmdb_fsync [--dir PARENT (default $TMPDIR or /var/tmp)] [--count N (default 2000)]
//              [--seconds S (default 5)]
//
// The output's last line is machine-readable: "txns_per_sec <rate>".
#include <lmdb.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

namespace {

[[noreturn]] void Die(const char* what, int rc) {
  std::fprintf(stderr, "lmdb_fsync: %s: %s\n", what, mdb_strerror(rc));
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  const char* tmp = std::getenv("TMPDIR");
  std::string parent = tmp != nullptr && *tmp != '\0' ? tmp : "/var/tmp";
  long count = 2000;
  double seconds = 5.0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 < argc && a == "--dir") {
      parent = argv[++i];
    } else if (i + 1 < argc && a == "--count") {
      count = std::atol(argv[++i]);
    } else if (i + 1 < argc && a == "--seconds") {
      seconds = std::atof(argv[++i]);
    } else if (a == "-h" || a == "--help") {
      std::printf("usage: lmdb_fsync [--dir PARENT] [--count N] [--seconds S]\n");
      return 0;
    } else {
      std::fprintf(stderr, "lmdb_fsync: unknown or incomplete argument %s\n", a.c_str());
      return 2;
    }
  }
  if (count < 1 || seconds <= 0) {
    std::fprintf(stderr, "lmdb_fsync: --count and --seconds must be positive\n");
    return 2;
  }

  std::string templ = parent + "/lmdb_fsync.XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    std::perror("lmdb_fsync: mkdtemp");
    return 1;
  }
  const std::string dir = templ;

  MDB_env* env = nullptr;
  if (int rc = mdb_env_create(&env); rc != 0) Die("mdb_env_create", rc);
  mdb_env_set_mapsize(env, size_t{256} << 20);
  if (int rc = mdb_env_open(env, dir.c_str(), 0, 0644); rc != 0) Die("mdb_env_open", rc);
  MDB_dbi dbi = 0;
  {
    MDB_txn* txn = nullptr;
    if (int rc = mdb_txn_begin(env, nullptr, 0, &txn); rc != 0) Die("mdb_txn_begin", rc);
    if (int rc = mdb_dbi_open(txn, nullptr, 0, &dbi); rc != 0) Die("mdb_dbi_open", rc);
    if (int rc = mdb_txn_commit(txn); rc != 0) Die("mdb_txn_commit", rc);
  }

  std::string value(600, 'v');
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  long done = 0;
  char key[32];
  while (done < count && Clock::now() < deadline) {
    MDB_txn* txn = nullptr;
    if (int rc = mdb_txn_begin(env, nullptr, 0, &txn); rc != 0) Die("mdb_txn_begin", rc);
    int n = std::snprintf(key, sizeof(key), "key%012ld", done);
    MDB_val k{static_cast<size_t>(n), key};
    MDB_val v{value.size(), value.data()};
    if (int rc = mdb_put(txn, dbi, &k, &v, 0); rc != 0) Die("mdb_put", rc);
    if (int rc = mdb_txn_commit(txn); rc != 0) Die("mdb_txn_commit", rc);  // fsync'd
    ++done;
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  mdb_env_close(env);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);

  const double rate = done / elapsed;
  std::printf("lmdb_fsync: %ld durable single-put transactions in %.3f s (dir %s)\n", done, elapsed,
              parent.c_str());
  std::printf("txns_per_sec %.1f\n", rate);
  return 0;
}
