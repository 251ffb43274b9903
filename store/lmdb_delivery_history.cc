// Delivery history retention for the LMDB delivery store (DeliveryStore::PurgeHistory).
//
// A pass goes through four tables in turn.
//  - deliveries: front to back in each of the two id ranges (kFirstTimeOrder), in which ids sort
//    in the order the deliveries were queued, up to the first delivery queued after the cutoff
//    (or through all of them in a whole pass);
//  - attempts: one webhook at a time, from the end of its key range (its oldest attempts) back
//    to the first attempt young enough to stay;
//  - seen_events and webhook_state: front to back.
// So a pass costs about one read per record it removes, per pending delivery queued before the
// cutoff, per webhook, per seen event id and per webhook state.
#include <lmdb.h>

#include <optional>
#include <string>
#include <vector>

#include "store/delivery_record.h"
#include "store/keys.h"
#include "store/lmdb_delivery_store.h"
#include "store/lmdb_txn.h"

namespace webhooks {
namespace {

enum Table : int { kDeliveries = 0, kAttempts, kSeenEvents, kWebhookStates, kTables };

constexpr size_t kSeqBytes = 8;  // an attempt key ends with its inverted seq

// The prefix every attempt key of the same webhook shares: "<internal_id>/<webhook_id>/".
std::string_view AttemptPrefix(std::string_view key) {
  return key.size() > kSeqBytes ? key.substr(0, key.size() - kSeqBytes) : key;
}

// The smallest key after every key that starts with `prefix` ("" when there is none).
std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
  if (!end.empty()) end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;
}

// When the attempt was made (unix ms); nullopt for a record that cannot be read.
std::optional<int64_t> AttemptMillis(std::string_view record) {
  absl::StatusOr<Attempt> a = DecodeAttemptRecord(record);
  if (!a.ok()) return std::nullopt;
  std::optional<TimePoint> at = ParseTimestamp(a->attempted_at);
  if (!at) return std::nullopt;
  return UnixMillis(*at);
}

// A finished delivery whose last attempt was due before `before_ms`.
bool DeliveryExpired(const Delivery& d, int64_t before_ms) {
  return d.state != DeliveryState::kPending && d.next_attempt_ms < before_ms;
}
bool DeliveryExpired(std::string_view record, int64_t before_ms) {
  absl::StatusOr<Delivery> d = DecodeDeliveryRecord(record);
  return d.ok() && DeliveryExpired(*d, before_ms);
}

// Queued at or after `before_ms` (created_at has whole seconds: a delivery of the same second
// may count as queued before it, which only makes a pass read a little further).
bool QueuedSince(const Delivery& d, int64_t before_ms) {
  std::optional<TimePoint> created = ParseTimestamp(d.created_at);
  return created && UnixMillis(*created) >= before_ms;
}

// Positions `cur` at the first key after `resume` ("" = the first key); false at the end.
bool SeekAfter(lmdb::Cursor& cur, const std::string& resume) {
  if (resume.empty()) return cur.Seek(MDB_FIRST);
  bool ok = cur.Seek(MDB_SET_RANGE, resume);
  return ok && cur.key() == resume ? cur.Seek(MDB_NEXT) : ok;
}

// Positions `cur` at the last key before `end` ("": the last key); false when there is none.
bool SeekLastBefore(lmdb::Cursor& cur, const std::string& end) {
  if (end.empty() || !cur.Seek(MDB_SET_RANGE, end)) return cur.Seek(MDB_LAST);
  return cur.Seek(MDB_PREV);
}

// Positions `cur` at `key`, or at the last key before it when `key` is gone.
bool SeekAtOrBefore(lmdb::Cursor& cur, const std::string& key) {
  if (!cur.Seek(MDB_SET_RANGE, key)) return cur.Seek(MDB_LAST);
  return cur.key() == key || cur.Seek(MDB_PREV);
}

bool SeenExpired(std::string_view value, int64_t before_ms) {
  std::optional<uint64_t> ms = keys::DecodeU64(value);
  return ms && static_cast<int64_t>(*ms) < before_ms;
}

}  // namespace

HistoryRemoved& HistoryRemoved::operator+=(const HistoryRemoved& o) {
  deliveries += o.deliveries;
  attempts += o.attempts;
  seen_events += o.seen_events;
  webhook_states += o.webhook_states;
  unreadable += o.unreadable;
  return *this;
}

struct LmdbDeliveryStore::PurgeCandidates {
  std::vector<std::string> deliveries, attempts, seen, undated_seen, states;
  uint64_t unreadable = 0;  // records read that could not be decoded (left in place)
  size_t size() const {
    return deliveries.size() + attempts.size() + seen.size() + undated_seen.size() + states.size();
  }
  // Whether the step may read another entry, having read `examined`.
  bool Room(const HistorySweep& sweep, size_t examined) const {
    return examined < sweep.max_examined && size() < sweep.max_removed;
  }
};

absl::StatusOr<HistoryRemoved> LmdbDeliveryStore::PurgeHistory(HistorySweep& sweep) {
  HistoryRemoved removed;
  if (sweep.done) return removed;
  // The sweep moves on only once the step's removals are committed: after an error the same
  // step is read again.
  HistorySweep next;
  PurgeCandidates found;
  absl::Status st = env_.Read([&](MDB_txn* txn) -> absl::Status {
    next = sweep;
    found = PurgeCandidates{};
    return FindPurgeCandidates(txn, next, found);
  });
  if (!st.ok()) return st;
  if (found.size() > 0) {
    st = env_.Write([&](MDB_txn* txn) -> absl::Status {
      removed = HistoryRemoved{};
      return RemovePurgeCandidates(txn, next, found, removed);
    });
    if (!st.ok()) return st;
  }
  removed.unreadable = found.unreadable;
  sweep = std::move(next);
  return removed;
}

absl::Status LmdbDeliveryStore::FindPurgeCandidates(MDB_txn* txn, HistorySweep& sweep,
                                                    PurgeCandidates& c) {
  size_t examined = 0;
  // Reads `dbi` front to back from after sweep.resume; true at the end of the table.
  auto scan = [&](MDB_dbi dbi, auto&& visit) -> absl::StatusOr<bool> {
    lmdb::Cursor cur(txn, dbi);
    for (bool ok = SeekAfter(cur, sweep.resume); ok; ok = cur.Seek(MDB_NEXT)) {
      if (!c.Room(sweep, examined)) return false;
      ++examined;
      sweep.resume.assign(cur.key());
      visit(cur.key(), cur.value());
    }
    if (!cur.status().ok()) return cur.status();
    return true;
  };
  while (sweep.table < kTables) {
    absl::StatusOr<bool> at_end = true;
    switch (sweep.table) {
      case kDeliveries:
        at_end = FindOldDeliveries(txn, sweep, examined, c);
        break;
      case kAttempts:
        at_end = FindOldAttempts(txn, sweep, examined, c);
        break;
      case kSeenEvents:
        at_end = scan(seen_, [&](std::string_view key, std::string_view value) {
          if (value.empty()) c.undated_seen.emplace_back(key);
          if (SeenExpired(value, sweep.before_ms)) c.seen.emplace_back(key);
        });
        break;
      case kWebhookStates:
        // A state key is the webhook's key ("<internal_id>/<webhook_id>", keys::Webhook).
        at_end = scan(state_, [&](std::string_view key, std::string_view) {
          if (absl::IsNotFound(lmdb::GetView(txn, webhooks_, key).status())) {
            c.states.emplace_back(key);
          }
        });
        break;
    }
    if (!at_end.ok()) return at_end.status();
    if (!*at_end) return absl::OkStatus();
    ++sweep.table;
    sweep.resume.clear();
    sweep.within.clear();
  }
  sweep.done = true;
  return absl::OkStatus();
}

absl::StatusOr<bool> LmdbDeliveryStore::FindOldDeliveries(MDB_txn* txn, HistorySweep& sweep,
                                                          size_t& examined, PurgeCandidates& c) {
  const std::string time_orders = DeliveryIdPrefix(kFirstTimeOrder);
  lmdb::Cursor cur(txn, deliveries_);
  bool ok = SeekAfter(cur, sweep.resume);
  while (ok) {
    if (!c.Room(sweep, examined)) return false;
    ++examined;
    sweep.resume.assign(cur.key());
    absl::StatusOr<Delivery> d = DecodeDeliveryRecord(cur.value());
    if (!d.ok()) ++c.unreadable;
    if (d.ok() && DeliveryExpired(*d, sweep.before_ms)) {
      c.deliveries.emplace_back(cur.key());
    } else if (d.ok() && !sweep.whole && QueuedSince(*d, sweep.before_ms)) {
      // The rest of its id range was queued later still: none of it ended before the cutoff.
      if (cur.key() >= time_orders) return true;
      sweep.resume = time_orders;  // (no id is that short: the next step reads from there)
      ok = cur.Seek(MDB_SET_RANGE, time_orders);
      continue;
    }
    ok = cur.Seek(MDB_NEXT);
  }
  if (!cur.status().ok()) return cur.status();
  return true;
}

absl::StatusOr<bool> LmdbDeliveryStore::FindOldAttempts(MDB_txn* txn, HistorySweep& sweep,
                                                        size_t& examined, PurgeCandidates& c) {
  lmdb::Cursor cur(txn, attempts_);
  // sweep.resume: where the next webhook's attempts start ("" for the first); sweep.within: the
  // attempt a webhook's walk back from its oldest stopped at, when a step ran out of budget.
  for (;;) {
    if (!c.Room(sweep, examined)) return false;
    std::string prefix;
    bool in = false;
    if (!sweep.within.empty()) {
      prefix = AttemptPrefix(sweep.within);
      in = SeekAtOrBefore(cur, sweep.within);
    } else {
      if (!(sweep.resume.empty() ? cur.Seek(MDB_FIRST) : cur.Seek(MDB_SET_RANGE, sweep.resume))) {
        break;
      }
      prefix = AttemptPrefix(cur.key());
      in = SeekLastBefore(cur, PrefixEnd(prefix));
    }
    for (; in && cur.key().substr(0, prefix.size()) == prefix; in = cur.Seek(MDB_PREV)) {
      if (!c.Room(sweep, examined)) {
        sweep.within.assign(cur.key());  // not read yet: the next step starts here
        return false;
      }
      ++examined;
      std::optional<int64_t> ms = AttemptMillis(cur.value());
      if (ms && *ms >= sweep.before_ms) break;  // this one and every newer one stay
      if (ms) c.attempts.emplace_back(cur.key());
      if (!ms) ++c.unreadable;
    }
    if (!cur.status().ok()) return cur.status();
    sweep.within.clear();
    const std::string end = PrefixEnd(prefix);
    if (end.empty()) break;
    sweep.resume = end;
  }
  if (!cur.status().ok()) return cur.status();
  return true;
}

absl::Status LmdbDeliveryStore::RemovePurgeCandidates(MDB_txn* txn, const HistorySweep& sweep,
                                                      const PurgeCandidates& c,
                                                      HistoryRemoved& removed) {
  // Deletes `key` from `dbi` when `still(value)` holds for its value now; counts it in `n`.
  auto remove_if = [&](MDB_dbi dbi, const std::string& key, auto&& still,
                       uint64_t& n) -> absl::Status {
    absl::StatusOr<std::string_view> value = lmdb::GetView(txn, dbi, key);
    if (absl::IsNotFound(value.status())) return absl::OkStatus();
    if (!value.ok()) return value.status();
    if (!still(*value)) return absl::OkStatus();
    if (absl::Status st = lmdb::Del(txn, dbi, key); !st.ok()) return st;
    ++n;
    return absl::OkStatus();
  };
  const int64_t before = sweep.before_ms;
  auto always = [](std::string_view) { return true; };
  for (const std::string& id : c.deliveries) {
    auto expired = [&](std::string_view v) { return DeliveryExpired(v, before); };
    if (absl::Status st = remove_if(deliveries_, id, expired, removed.deliveries); !st.ok()) {
      return st;
    }
  }
  for (const std::string& key : c.attempts) {  // attempts never change once written
    if (absl::Status st = remove_if(attempts_, key, always, removed.attempts); !st.ok()) return st;
  }
  for (const std::string& key : c.seen) {
    auto expired = [&](std::string_view v) { return SeenExpired(v, before); };
    if (absl::Status st = remove_if(seen_, key, expired, removed.seen_events); !st.ok()) return st;
  }
  // Ids recorded before seen ids carried their time are dated now: they go one retention later.
  const std::string now = keys::EncodeU64(UnixMillis(clock_()));
  for (const std::string& key : c.undated_seen) {
    if (absl::Status st = lmdb::Put(txn, seen_, key, now); !st.ok()) return st;
  }
  for (const std::string& key : c.states) {
    auto orphaned = [&](std::string_view) {
      return absl::IsNotFound(lmdb::GetView(txn, webhooks_, key).status());
    };
    if (absl::Status st = remove_if(state_, key, orphaned, removed.webhook_states); !st.ok()) {
      return st;
    }
  }
  return absl::OkStatus();
}

}  // namespace webhooks
