#include "store/lmdb_txn.h"

#include "store/keys.h"

namespace webhooks::lmdb {

absl::StatusOr<std::string> Get(MDB_txn* txn, MDB_dbi dbi, std::string_view key) {
  absl::StatusOr<std::string_view> v = GetView(txn, dbi, key);
  if (!v.ok()) return v.status();
  return std::string(*v);
}

absl::StatusOr<std::string_view> GetView(MDB_txn* txn, MDB_dbi dbi, std::string_view key) {
  MDB_val k = Val(key), v;
  if (int rc = mdb_get(txn, dbi, &k, &v); rc != 0) return LmdbStatus(rc, "mdb_get");
  return View(v);
}

absl::Status Put(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value,
                 unsigned flags) {
  MDB_val k = Val(key), v = Val(value);
  return LmdbStatus(mdb_put(txn, dbi, &k, &v, flags), "mdb_put");
}

absl::Status Del(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value) {
  MDB_val k = Val(key), v = Val(value);
  return LmdbStatus(mdb_del(txn, dbi, &k, value.empty() ? nullptr : &v), "mdb_del");
}

absl::StatusOr<uint64_t> GetCounter(MDB_txn* txn, MDB_dbi dbi, std::string_view key) {
  absl::StatusOr<std::string> raw = Get(txn, dbi, key);
  if (absl::IsNotFound(raw.status())) return 0;
  if (!raw.ok()) return raw.status();
  std::optional<uint64_t> v = keys::DecodeU64(*raw);
  if (!v) return absl::DataLossError("counter " + std::string(key) + " is not 8 bytes");
  return *v;
}

absl::StatusOr<uint64_t> AddCounter(MDB_txn* txn, MDB_dbi dbi, std::string_view key,
                                    int64_t delta) {
  absl::StatusOr<uint64_t> v = GetCounter(txn, dbi, key);
  if (!v.ok()) return v.status();
  uint64_t next = *v + static_cast<uint64_t>(delta);
  if (absl::Status st = Put(txn, dbi, key, keys::EncodeU64(next)); !st.ok()) return st;
  return next;
}

Cursor::Cursor(MDB_txn* txn, MDB_dbi dbi) {
  status_ = LmdbStatus(mdb_cursor_open(txn, dbi, &cursor_), "mdb_cursor_open");
}

Cursor::~Cursor() {
  if (cursor_ != nullptr) mdb_cursor_close(cursor_);
}

bool Cursor::Seek(MDB_cursor_op op, std::string_view key, std::string_view value) {
  if (!status_.ok()) return false;
  if (op == MDB_SET || op == MDB_SET_RANGE || op == MDB_GET_BOTH) {
    key_ = Val(key);
    value_ = Val(value);
  }
  int rc = mdb_cursor_get(cursor_, &key_, &value_, op);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != 0) {
    status_ = LmdbStatus(rc, "mdb_cursor_get");
    return false;
  }
  return true;
}

}  // namespace webhooks::lmdb
