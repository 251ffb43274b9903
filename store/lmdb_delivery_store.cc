#include "store/lmdb_delivery_store.h"

#include <algorithm>
#include <limits>

#include "common/crypto.h"
#include "store/config_version.h"
#include "store/delivery_codec.h"
#include "store/delivery_record.h"
#include "store/failure_streak.h"
#include "store/keys.h"
#include "store/lmdb_delivery_internal.h"
#include "store/lmdb_txn.h"

namespace webhooks {
namespace {

using delivery_internal::PutDelivery;
using delivery_internal::WebhookPrefix;

constexpr std::string_view kAttemptSeqKey = "attempt_seq";

std::string StateKey(std::string_view internal_id, std::string_view webhook_id) {
  return std::string(internal_id) + "/" + std::string(webhook_id);
}

}  // namespace

std::string delivery_internal::WebhookPrefix(std::string_view internal_id,
                                             std::string_view webhook_id) {
  return std::string(internal_id) + "/" + std::string(webhook_id) + "/";
}

absl::Status delivery_internal::PutDelivery(MDB_txn* txn, MDB_dbi deliveries, MDB_dbi due,
                                            const Delivery& d, unsigned flags) {
  absl::Status st = lmdb::Put(txn, deliveries, d.delivery_id, EncodeDeliveryRecord(d), flags);
  if (st.ok() && d.state == DeliveryState::kPending) {
    st = lmdb::Put(txn, due, DueKey(d.next_attempt_ms, d.delivery_id), DueGroup(d));
  }
  return st;
}

absl::StatusOr<WebhookDeliveryState> delivery_internal::ReadWebhookState(
    MDB_txn* txn, MDB_dbi state, std::string_view internal_id, std::string_view webhook_id) {
  absl::StatusOr<std::string> raw = lmdb::Get(txn, state, StateKey(internal_id, webhook_id));
  if (absl::IsNotFound(raw.status())) return WebhookDeliveryState{};
  if (!raw.ok()) return raw.status();
  return DecodeWebhookState(*raw);
}

std::string DueKey(int64_t ms, std::string_view delivery_id) {
  return keys::EncodeU64(static_cast<uint64_t>(std::max<int64_t>(0, ms))) +
         std::string(delivery_id);
}

std::string DueGroup(const Delivery& d) {
  return d.webhook_id + "/" + std::to_string(d.channel_index);
}

std::string DeliveryId(uint64_t order, std::string_view internal_id, std::string_view event_id,
                       std::string_view webhook_id, uint32_t channel_index, uint32_t target_index) {
  std::string material = std::string(internal_id) + "\n" + std::string(event_id) + "\n" +
                         std::string(webhook_id) + "\n" + std::to_string(channel_index) + "\n" +
                         std::to_string(target_index);
  return DeliveryIdPrefix(order) + HexEncode(Sha256(material)).substr(0, 12);
}

Delivery TimeOrderedDelivery(std::string_view internal_id, std::string_view event_id,
                             std::string_view event_type, std::string_view webhook_id,
                             uint32_t channel_index, uint32_t target_index,
                             std::string envelope_json, int64_t now_ms) {
  Delivery d;
  d.delivery_id = DeliveryId(kFirstTimeOrder + static_cast<uint64_t>(now_ms), internal_id, event_id,
                             webhook_id, channel_index, target_index);
  d.internal_id = std::string(internal_id);
  d.webhook_id = std::string(webhook_id);
  d.channel_index = channel_index;
  d.target_index = target_index;
  d.event_id = std::string(event_id);
  d.event_type = std::string(event_type);
  d.envelope_json = std::move(envelope_json);
  d.next_attempt_ms = now_ms;
  d.created_at = FormatUnixMillis(now_ms);
  return d;
}

std::string DeliveryIdPrefix(uint64_t order) {
  std::string big_endian = keys::EncodeU64(order);  // 8 bytes; the low 6 lead the id
  return "msg_" + HexEncode(big_endian.substr(2));
}

LmdbDeliveryStore::LmdbDeliveryStore(LmdbEnv& env, Clock clock)
    : env_(env),
      clock_(std::move(clock)),
      meta_(env.dbi("meta")),
      deliveries_(env.dbi("deliveries")),
      due_(env.dbi("due")),
      attempts_(env.dbi("attempts")),
      state_(env.dbi("webhook_state")),
      seen_(env.dbi("seen_events")),
      webhooks_(env.dbi("webhooks")) {}

absl::Status LmdbDeliveryStore::Enqueue(
    const std::vector<Delivery>& deliveries,
    const std::vector<std::pair<std::string, std::string>>& seen,
    std::optional<uint64_t> next_position) {
  const std::string seen_at = seen.empty() ? "" : keys::EncodeU64(UnixMillis(clock_()));
  return env_.Write([&](MDB_txn* txn) -> absl::Status {
    for (const auto& [org, event_id] : seen) {
      absl::Status st = lmdb::Put(txn, seen_, org + "/" + event_id, seen_at);
      if (!st.ok()) return st;
    }
    for (const Delivery& d : deliveries) {
      absl::Status st = PutDelivery(txn, deliveries_, due_, d, MDB_NOOVERWRITE);
      if (absl::IsAlreadyExists(st)) continue;  // queued before (e.g. replayed after a crash)
      if (!st.ok()) return st;
    }
    if (!next_position) return absl::OkStatus();
    return lmdb::Put(txn, meta_, keys::kNotifierCursor, keys::EncodeU64(*next_position));
  });
}

absl::StatusOr<std::vector<bool>> LmdbDeliveryStore::SeenEvents(
    const std::vector<std::pair<std::string, std::string>>& ids) {
  std::vector<bool> seen;
  absl::Status st = env_.Read([&](MDB_txn* txn) -> absl::Status {
    seen.assign(ids.size(), false);
    for (size_t i = 0; i < ids.size(); ++i) {
      absl::StatusOr<std::string> v = lmdb::Get(txn, seen_, ids[i].first + "/" + ids[i].second);
      if (!v.ok() && !absl::IsNotFound(v.status())) return v.status();
      seen[i] = v.ok();
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return seen;
}

absl::StatusOr<uint64_t> LmdbDeliveryStore::Cursor() {
  uint64_t cursor = 0;
  absl::Status st = env_.Read([&](MDB_txn* txn) -> absl::Status {
    absl::StatusOr<uint64_t> v = lmdb::GetCounter(txn, meta_, keys::kNotifierCursor);
    if (v.ok()) cursor = *v;
    return v.status();
  });
  if (!st.ok()) return st;
  return cursor;
}

absl::StatusOr<std::vector<Delivery>> LmdbDeliveryStore::Due(int64_t now_ms, size_t max,
                                                             const DueSkip& skip, DueScan* scan) {
  std::vector<Delivery> out;
  DueScan whole;
  if (scan == nullptr) scan = &whole;
  absl::Status st = env_.Read([&](MDB_txn* txn) -> absl::Status {
    lmdb::Cursor c(txn, due_);
    bool ok = scan->resume.empty() ? c.Seek(MDB_FIRST) : c.Seek(MDB_SET_RANGE, scan->resume);
    if (ok && !scan->resume.empty() && c.key() == scan->resume) ok = c.Seek(MDB_NEXT);
    std::string last;
    size_t examined = 0;
    for (; ok && out.size() < max && examined < scan->max_scan; ok = c.Seek(MDB_NEXT)) {
      std::optional<uint64_t> ms = keys::DecodeU64(c.key().substr(0, 8));
      if (!ms || static_cast<int64_t>(*ms) > now_ms) {
        ok = false;
        break;
      }
      ++examined;
      last.assign(c.key());
      std::string_view id = c.key().substr(8);
      if (skip && skip(id, c.value())) continue;
      absl::StatusOr<std::string_view> raw = lmdb::GetView(txn, deliveries_, id);
      if (absl::IsNotFound(raw.status())) continue;  // a due entry left behind: nothing to send
      if (!raw.ok()) return raw.status();
      absl::StatusOr<Delivery> d = DecodeDeliveryRecord(*raw);
      if (!d.ok()) return d.status();
      out.push_back(*std::move(d));
    }
    if (!c.status().ok()) return c.status();
    scan->resume = ok ? last : "";  // "": the end of what is due, start over next time
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<Delivery> LmdbDeliveryStore::GetDelivery(std::string_view delivery_id) {
  absl::StatusOr<Delivery> out;
  absl::Status st = env_.Read([&](MDB_txn* txn) -> absl::Status {
    absl::StatusOr<std::string> raw = lmdb::Get(txn, deliveries_, delivery_id);
    if (!raw.ok()) return raw.status();
    out = DecodeDeliveryRecord(*raw);
    return out.status();
  });
  if (!st.ok()) return st;
  return out;
}

absl::Status LmdbDeliveryStore::ApplyOutcome(MDB_txn* txn, AttemptOutcome& o, uint64_t seq) {
  // attempt.attempt == 0: the delivery changes state without an attempt (e.g. cancelled).
  // Its due entry (if any) must go before the new one is written.
  if (absl::Status st = RemoveDueEntry(txn, o); !st.ok()) return st;
  // A delivery that will never be sent again keeps its record (replays of its event must find
  // it) but not its envelope, which only a send or a retry of a failed delivery reads.
  if (o.delivery.state == DeliveryState::kSucceeded ||
      o.delivery.state == DeliveryState::kCancelled) {
    o.delivery.envelope_json.clear();
  }
  // Once finished, next_attempt_ms says when it ended (PurgeHistory counts from it).
  if (o.delivery.state != DeliveryState::kPending) {
    o.delivery.next_attempt_ms = UnixMillis(clock_());
  }
  if (absl::Status st = PutDelivery(txn, deliveries_, due_, o.delivery); !st.ok()) return st;
  if (o.attempt.attempt == 0) return absl::OkStatus();
  o.attempt.seq = seq;
  std::string akey = WebhookPrefix(o.attempt.internal_id, o.attempt.webhook_id) +
                     keys::EncodeU64(std::numeric_limits<uint64_t>::max() - seq);
  if (absl::Status st = lmdb::Put(txn, attempts_, akey, EncodeAttemptRecord(o.attempt)); !st.ok()) {
    return st;
  }
  return UpdateWebhookState(txn, o);
}

absl::Status LmdbDeliveryStore::RemoveDueEntry(MDB_txn* txn, const AttemptOutcome& o) {
  std::optional<int64_t> due_ms = o.taken_due_ms;
  if (!due_ms) {  // read the delivery as stored now
    absl::StatusOr<std::string> raw = lmdb::Get(txn, deliveries_, o.delivery.delivery_id);
    if (!raw.ok()) return raw.status();
    absl::StatusOr<Delivery> old = DecodeDeliveryRecord(*raw);
    if (!old.ok()) return old.status();
    if (old->state != DeliveryState::kPending) return absl::OkStatus();
    due_ms = old->next_attempt_ms;
  }
  absl::Status st = lmdb::Del(txn, due_, DueKey(*due_ms, o.delivery.delivery_id));
  return st.ok() || absl::IsNotFound(st) ? absl::OkStatus() : st;
}

absl::Status LmdbDeliveryStore::UpdateWebhookState(MDB_txn* txn, AttemptOutcome& o) {
  o.disabled.reset();  // decided again on every run of the transaction
  const bool streaks = o.disable_failing_after_ms > 0;
  if (!o.set_last_error && !o.clear_last_error && !o.disable_channel && !streaks) {
    return absl::OkStatus();
  }
  std::string skey = StateKey(o.attempt.internal_id, o.attempt.webhook_id);
  WebhookDeliveryState state;
  absl::StatusOr<std::string> sraw = lmdb::Get(txn, state_, skey);
  if (sraw.ok()) {
    absl::StatusOr<WebhookDeliveryState> decoded = DecodeWebhookState(*sraw);
    if (decoded.ok()) state = *std::move(decoded);
  } else if (!absl::IsNotFound(sraw.status())) {
    return sraw.status();
  }
  const uint32_t index = o.attempt.channel_index;
  bool changed = false;
  if (o.clear_last_error && state.last_error && state.last_error->channel_index == index) {
    state.last_error.reset();
    changed = true;
  }
  if (o.set_last_error) {
    state.last_error = o.set_last_error;
    changed = true;
  }
  std::optional<AttemptOutcome::Disabled> disable;
  if (o.disable_channel) disable = {o.disable_channel->first, o.disable_channel->second, false};
  if (streaks) {
    const int64_t now_ms = UnixMillis(clock_());
    const int64_t window = o.disable_failing_after_ms;
    changed |= FoldAttempt(state, index, o.delivery.state == DeliveryState::kSucceeded,
                           o.attempt.attempt == 1, now_ms, window);
    if (!disable && o.delivery.state == DeliveryState::kFailed) {
      if (std::optional<std::string> why = FailingTooLong(state, index, now_ms, window)) {
        disable = {index, *std::move(why), true};
      }
    }
  }
  const auto& off = state.disabled_channels;
  if (disable && std::none_of(off.begin(), off.end(),
                              [&](const auto& d) { return d.first == disable->channel_index; })) {
    state.disabled_channels.emplace_back(disable->channel_index, disable->reason);
    if (absl::Status st = BumpConfigVersion(txn, meta_); !st.ok()) return st;
    absl::StatusOr<size_t> notices = QueueDisableNotices(txn, o.attempt, state, *disable);
    if (!notices.ok()) return notices.status();
    disable->notices = *notices;
    o.disabled = std::move(disable);
    changed = true;
  }
  if (!changed) return absl::OkStatus();  // a success with nothing to clear writes nothing
  return lmdb::Put(txn, state_, skey, EncodeWebhookState(state));
}

absl::Status LmdbDeliveryStore::RecordOutcomes(std::vector<AttemptOutcome>& outcomes) {
  const auto attempts =
      std::count_if(outcomes.begin(), outcomes.end(),
                    [](const AttemptOutcome& o) { return o.attempt.attempt != 0; });
  return env_.Write([&](MDB_txn* txn) -> absl::Status {
    // The batch's attempt sequence numbers, taken at once: (last - attempts, last].
    uint64_t seq = 0;
    if (attempts > 0) {
      absl::StatusOr<uint64_t> last = lmdb::AddCounter(txn, meta_, kAttemptSeqKey, attempts);
      if (!last.ok()) return last.status();
      seq = *last - static_cast<uint64_t>(attempts);
    }
    for (AttemptOutcome& o : outcomes) {
      if (o.attempt.attempt != 0) ++seq;
      if (absl::Status st = ApplyOutcome(txn, o, seq); !st.ok()) return st;
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<AttemptPage> LmdbDeliveryStore::ListAttempts(std::string_view internal_id,
                                                            std::string_view webhook_id,
                                                            const AttemptQuery& query) {
  AttemptPage page;
  absl::Status st = env_.Read([&](MDB_txn* txn) -> absl::Status {
    page = AttemptPage{};
    const std::string prefix = WebhookPrefix(internal_id, webhook_id);
    uint64_t start =
        query.before_seq ? std::numeric_limits<uint64_t>::max() - *query.before_seq + 1 : 0;
    lmdb::Cursor c(txn, attempts_);
    size_t skipped = 0;
    for (bool ok = c.Seek(MDB_SET_RANGE, prefix + keys::EncodeU64(start));
         ok && c.key().substr(0, prefix.size()) == prefix; ok = c.Seek(MDB_NEXT)) {
      absl::StatusOr<Attempt> a = DecodeAttemptRecord(c.value());
      if (!a.ok()) return a.status();
      if ((query.status && a->status != *query.status) ||
          (query.event_id && a->event_id != *query.event_id)) {
        if (++skipped < query.max_skipped) continue;
        page.next_before_seq = a->seq;  // the next call continues after this one
        break;
      }
      if (page.items.size() == query.limit) {
        page.next_before_seq = page.items.back().seq;
        break;
      }
      a->internal_id = std::string(internal_id);
      page.items.push_back(*std::move(a));
    }
    return c.status();
  });
  if (!st.ok()) return st;
  return page;
}

absl::StatusOr<WebhookDeliveryState> LmdbDeliveryStore::GetWebhookState(
    std::string_view internal_id, std::string_view webhook_id) {
  absl::StatusOr<WebhookDeliveryState> state;
  absl::Status st = env_.Read([&](MDB_txn* txn) -> absl::Status {
    state = delivery_internal::ReadWebhookState(txn, state_, internal_id, webhook_id);
    return state.status();
  });
  if (!st.ok()) return st;
  return state;
}

absl::StatusOr<bool> LmdbDeliveryStore::EnableChannels(std::string_view internal_id,
                                                       std::string_view webhook_id) {
  const WebhookDeliveryState now =
      GetWebhookState(internal_id, webhook_id).value_or(WebhookDeliveryState{});
  if (now.disabled_channels.empty() && now.failing.empty()) {
    return false;  // the common case costs no write
  }
  bool changed = false;
  absl::Status st = env_.Write([&](MDB_txn* txn) -> absl::Status {
    const std::string key = StateKey(internal_id, webhook_id);
    absl::StatusOr<std::string> raw = lmdb::Get(txn, state_, key);
    if (absl::IsNotFound(raw.status())) return absl::OkStatus();
    if (!raw.ok()) return raw.status();
    absl::StatusOr<WebhookDeliveryState> state = DecodeWebhookState(*raw);
    if (!state.ok()) return state.status();
    changed = !state->disabled_channels.empty();
    state->disabled_channels.clear();
    state->failing.clear();
    if (changed) {  // the notifier reloads what it knows of the webhook
      if (absl::Status bump = BumpConfigVersion(txn, meta_); !bump.ok()) return bump;
    }
    return lmdb::Put(txn, state_, key, EncodeWebhookState(*state));
  });
  if (!st.ok()) return st;
  return changed;
}

absl::StatusOr<uint64_t> LmdbDeliveryStore::PendingCount() {
  uint64_t n = 0;
  absl::Status st = env_.Read([&](MDB_txn* txn) -> absl::Status {
    MDB_stat stat;
    if (int rc = mdb_stat(txn, due_, &stat); rc != 0) return LmdbStatus(rc, "mdb_stat");
    n = stat.ms_entries;
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return n;
}

}  // namespace webhooks
