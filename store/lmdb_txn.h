// Small typed helpers over raw LMDB calls, used inside LmdbEnv transactions.
#ifndef WEBHOOKS_STORE_LMDB_TXN_H_
#define WEBHOOKS_STORE_LMDB_TXN_H_

#include <lmdb.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "store/lmdb_env.h"

namespace webhooks::lmdb {

inline MDB_val Val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
inline std::string_view View(const MDB_val& v) {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

// The value at `key`, copied out of the map; NotFound when absent.
absl::StatusOr<std::string> Get(MDB_txn* txn, MDB_dbi dbi, std::string_view key);
// The value in place: valid until `txn` ends or writes (no copy).
absl::StatusOr<std::string_view> GetView(MDB_txn* txn, MDB_dbi dbi, std::string_view key);
absl::Status Put(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value,
                 unsigned flags = 0);
// Deletes `key` (or one duplicate `value` of it, when value is non-empty); NotFound if absent.
absl::Status Del(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value = {});

// A u64 counter stored big-endian at `key` (0 when absent); Add returns the new value.
absl::StatusOr<uint64_t> GetCounter(MDB_txn* txn, MDB_dbi dbi, std::string_view key);
absl::StatusOr<uint64_t> AddCounter(MDB_txn* txn, MDB_dbi dbi, std::string_view key, int64_t delta);

// An open cursor, closed when this goes out of scope (before the transaction ends).
class Cursor {
 public:
  Cursor(MDB_txn* txn, MDB_dbi dbi);
  ~Cursor();
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  absl::Status status() const { return status_; }
  // Positions with `op`; false at the end (MDB_NOTFOUND) or on error (see status()).
  bool Seek(MDB_cursor_op op, std::string_view key = {}, std::string_view value = {});
  std::string_view key() const { return View(key_); }
  std::string_view value() const { return View(value_); }

 private:
  MDB_cursor* cursor_ = nullptr;
  absl::Status status_;
  MDB_val key_{0, nullptr}, value_{0, nullptr};
};

}  // namespace webhooks::lmdb

#endif  // WEBHOOKS_STORE_LMDB_TXN_H_
