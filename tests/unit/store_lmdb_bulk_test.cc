// LmdbEnv for bulk work: write_map environments (each Write its own transaction, a failing one
// discarded), ReleaseMappedPages / TrimMappedPages (RSS drops, data stays) and WriteBulk (a huge
// transaction written while its pages are being unmapped commits intact).
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/lmdb_env.h"
#include "store/lmdb_txn.h"
#include "tests/test_util.h"

namespace webhooks {
namespace {

using ::webhooks::testing::TempDir;

constexpr size_t kValueSize = 4000;

std::unique_ptr<LmdbEnv> OpenEnv(const std::string& dir, bool write_map,
                                 size_t map_size = size_t{512} << 20) {
  LmdbOptions options;
  options.durable = false;
  options.write_map = write_map;
  options.initial_map_size = map_size;
  absl::StatusOr<std::unique_ptr<LmdbEnv>> env = LmdbEnv::Open(dir, options, {{"t", 0}});
  EXPECT_TRUE(env.ok()) << env.status();
  return env.ok() ? *std::move(env) : nullptr;
}

std::string Key(int i) { return "k" + std::to_string(1000000 + i); }
// A value that differs per key and per position, so a lost or stale page shows.
std::string Value(int i) {
  std::string v(kValueSize, 'a');
  for (size_t p = 0; p < v.size(); p += 97) v[p] = static_cast<char>('a' + (i + p) % 26);
  return v;
}

absl::Status PutRange(MDB_txn* txn, MDB_dbi dbi, int from, int to) {
  for (int i = from; i < to; ++i) {
    if (absl::Status st = lmdb::Put(txn, dbi, Key(i), Value(i)); !st.ok()) return st;
  }
  return absl::OkStatus();
}

// Every key in [from, to) holds its Value.
void ExpectRange(LmdbEnv& env, int from, int to) {
  ASSERT_OK(env.Read([&](MDB_txn* txn) -> absl::Status {
    for (int i = from; i < to; ++i) {
      absl::StatusOr<std::string> v = lmdb::Get(txn, env.dbi("t"), Key(i));
      if (!v.ok()) return v.status();
      if (*v != Value(i)) return absl::DataLossError("wrong value for " + Key(i));
    }
    return absl::OkStatus();
  }));
}

// RssFile of this process in KiB: pages of mapped files that are resident.
long RssFileKb() {
  std::ifstream status("/proc/self/status");
  std::string word;
  while (status >> word) {
    if (word == "RssFile:") {
      long kb = 0;
      status >> kb;
      return kb;
    }
  }
  return -1;
}

TEST(LmdbBulkTest, WriteMapRunsEachWriteInItsOwnTransaction) {
  TempDir dir;
  auto env = OpenEnv(dir.path(), /*write_map=*/true);
  ASSERT_NE(env, nullptr);
  MDB_dbi dbi = env->dbi("t");
  ASSERT_OK(env->Write([&](MDB_txn* txn) { return PutRange(txn, dbi, 0, 10); }));
  // Without nested transactions a failing write must still leave nothing behind.
  absl::Status failed = env->Write([&](MDB_txn* txn) -> absl::Status {
    if (absl::Status st = PutRange(txn, dbi, 10, 20); !st.ok()) return st;
    return absl::AbortedError("changed my mind");
  });
  EXPECT_TRUE(absl::IsAborted(failed)) << failed;
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int n = 0; n < 25; ++n) {
        int i = 100 + t * 25 + n;
        EXPECT_OK(env->Write([&](MDB_txn* txn) { return PutRange(txn, dbi, i, i + 1); }));
      }
    });
  }
  for (auto& w : writers) w.join();
  ExpectRange(*env, 0, 10);
  ExpectRange(*env, 100, 200);
  ASSERT_OK(env->Read([&](MDB_txn* txn) -> absl::Status {
    for (int i = 10; i < 20; ++i) {
      if (!absl::IsNotFound(lmdb::Get(txn, dbi, Key(i)).status())) {
        return absl::InternalError(Key(i) + " of the failed write is in the store");
      }
    }
    return absl::OkStatus();
  }));
}

TEST(LmdbBulkTest, ReleaseMappedPagesDropsResidentPagesAndKeepsTheData) {
  TempDir dir;
  auto env = OpenEnv(dir.path(), /*write_map=*/false);
  ASSERT_NE(env, nullptr);
  constexpr int kCount = 16384;  // ~64 MB of values
  ASSERT_OK(env->Write([&](MDB_txn* txn) { return PutRange(txn, env->dbi("t"), 0, kCount); }));
  long resident = 0, released = 0;
  ASSERT_OK(env->Read([&](MDB_txn* txn) -> absl::Status {
    size_t bytes = 0;
    for (int i = 0; i < kCount; ++i) {
      absl::StatusOr<std::string> v = lmdb::Get(txn, env->dbi("t"), Key(i));
      if (!v.ok()) return v.status();
      bytes += v->size();
    }
    resident = RssFileKb();
    env->ReleaseMappedPages();
    released = RssFileKb();
    return bytes == size_t{kCount} * kValueSize ? absl::OkStatus() : absl::DataLossError("size");
  }));
  EXPECT_GT(resident - released, 48 * 1024)
      << "resident " << resident << " KiB, released " << released << " KiB";
  ExpectRange(*env, 0, kCount);  // maps the pages again
  // From outside a transaction, with a threshold: nothing happens below it.
  resident = RssFileKb();
  env->TrimMappedPages(size_t{1} << 40);
  EXPECT_GT(RssFileKb(), resident - 8 * 1024);
  env->TrimMappedPages(size_t{16} << 20);
  EXPECT_LT(RssFileKb(), resident - 48 * 1024);
  ExpectRange(*env, 0, kCount);
}

// The map moves when it grows: trimming between growths must unmap the current map (the pages
// drop) and nothing else (every value reads back).
TEST(LmdbBulkTest, TrimmingFollowsTheMapAsItGrows) {
  TempDir dir;
  auto env = OpenEnv(dir.path(), /*write_map=*/false, size_t{1} << 20);
  ASSERT_NE(env, nullptr);
  constexpr int kChunk = 1000;  // ~4 MB a write: the 1 MB map grows several times
  for (int c = 0; c < 12; ++c) {
    ASSERT_OK(env->Write(
        [&](MDB_txn* txn) { return PutRange(txn, env->dbi("t"), c * kChunk, (c + 1) * kChunk); }));
    ExpectRange(*env, 0, (c + 1) * kChunk);
    env->TrimMappedPages();
  }
  EXPECT_GE(env->map_size(), size_t{32} << 20);
  ExpectRange(*env, 0, 12 * kChunk);
  const long resident = RssFileKb();
  env->TrimMappedPages();
  EXPECT_LT(RssFileKb(), resident - 32 * 1024);
}

// The trimmer thread of WriteBulk unmaps pages while the transaction writes them and while LMDB
// commits: everything written must be there afterwards, and a failing bulk write leaves nothing.
TEST(LmdbBulkTest, WriteBulkCommitsIntactWhilePagesAreUnmapped) {
  TempDir dir;
  auto env = OpenEnv(dir.path(), /*write_map=*/true);
  ASSERT_NE(env, nullptr);
  MDB_dbi dbi = env->dbi("t");
  constexpr int kCount = 20000;  // ~80 MB in one transaction
  ASSERT_OK(env->WriteBulk([&](MDB_txn* txn) { return PutRange(txn, dbi, 0, kCount); }));
  ExpectRange(*env, 0, kCount);
  absl::Status failed = env->WriteBulk([&](MDB_txn* txn) -> absl::Status {
    if (absl::Status st = PutRange(txn, dbi, kCount, 2 * kCount); !st.ok()) return st;
    return absl::AbortedError("bad record");
  });
  EXPECT_TRUE(absl::IsAborted(failed)) << failed;
  ExpectRange(*env, 0, kCount);
  ASSERT_OK(env->Read([&](MDB_txn* txn) -> absl::Status {
    MDB_stat stat;
    mdb_stat(txn, dbi, &stat);
    return stat.ms_entries == kCount ? absl::OkStatus() : absl::InternalError("entries");
  }));
}

}  // namespace
}  // namespace webhooks
