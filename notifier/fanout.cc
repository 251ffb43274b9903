#include "notifier/fanout.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <optional>
#include <set>

#include "model/event_filter.h"
#include "model/event_types.h"
#include "model/json_input.h"
#include "notifier/channel_format.h"

namespace webhooks {

std::vector<Delivery> DeliveriesFor(const EventRoute& event, uint64_t position,
                                    const Webhook& webhook, const std::vector<uint32_t>& disabled,
                                    int64_t now_ms, const RetrySchedule& schedule,
                                    const std::string& created_at) {
  // The first entry of the schedule, without jitter.
  const int64_t default_first_ms = now_ms + schedule.DelayMs(0, 0.5).value_or(0);
  std::vector<Delivery> out;
  for (uint32_t ch = 0; ch < webhook.spec.channels.size(); ++ch) {
    if (std::find(disabled.begin(), disabled.end(), ch) != disabled.end()) continue;
    size_t targets = TargetCount(webhook.spec.channels[ch]);
    const std::optional<int64_t> own_first = OwnFirstDelayMs(webhook.spec.channels[ch]);
    const int64_t first_ms = own_first ? now_ms + *own_first : default_first_ms;
    for (uint32_t t = 0; t < targets; ++t) {
      Delivery d;
      d.delivery_id =
          DeliveryId(position, event.internal_id, event.event_id, webhook.webhook_id, ch, t);
      d.internal_id = event.internal_id;
      d.webhook_id = webhook.webhook_id;
      d.channel_index = ch;
      d.target_index = t;
      d.event_id = event.event_id;
      d.event_type = event.event_type;
      d.envelope_json = event.envelope_json;
      d.next_attempt_ms = first_ms;
      d.created_at = created_at;
      out.push_back(std::move(d));
    }
  }
  return out;
}

absl::StatusOr<Fanout::Matching> Fanout::LoadMatching(const std::string& internal_id,
                                                      std::optional<int> type_index) {
  ListQuery q;
  q.limit = std::numeric_limits<size_t>::max();
  q.is_active = true;
  q.event_type_index = type_index;
  absl::StatusOr<WebhookPage> page = webhooks_.ListWebhooks(internal_id, q);
  if (!page.ok()) return page.status();
  Matching out;
  for (Webhook& w : page->items) {
    absl::StatusOr<WebhookDeliveryState> state =
        deliveries_.GetWebhookState(internal_id, w.webhook_id);
    if (!state.ok()) return state.status();
    std::vector<uint32_t> disabled;
    for (const auto& [index, why] : state->disabled_channels) disabled.push_back(index);
    out.emplace_back(std::move(w), std::move(disabled));
  }
  return out;
}

absl::StatusOr<std::shared_ptr<const Fanout::Matching>> Fanout::Find(const EventRoute& event) {
  const std::optional<int> type_index = EventTypeIndex(event.event_type);
  std::string key = event.internal_id + "/" + std::to_string(type_index.value_or(-1));
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  absl::StatusOr<Matching> loaded = LoadMatching(event.internal_id, type_index);
  if (!loaded.ok()) return loaded.status();
  auto matching = std::make_shared<const Matching>(*std::move(loaded));
  if (cached_webhooks_ + matching->size() <= max_cached_) {
    cached_webhooks_ += matching->size();
    cache_.emplace(std::move(key), matching);
  }
  return matching;
}

absl::Status Fanout::Collect(const EventRoute& event, uint64_t position, int64_t now_ms,
                             const std::string& created_at, std::vector<Delivery>& out) {
  absl::StatusOr<std::shared_ptr<const Matching>> matching = Find(event);
  if (!matching.ok()) return matching.status();
  std::optional<rapidjson::Document> envelope;  // parsed for the first webhook with filters
  for (const auto& [webhook, disabled] : **matching) {
    if (!webhook.spec.filters.empty()) {
      if (!envelope) {
        envelope.emplace();
        // DecodeEventRoute checked the envelope; one that fails here passes no filter.
        if (absl::Status st = ParseJson(event.envelope_json, &*envelope); !st.ok()) {
          std::fprintf(stderr,
                       "level=error msg=\"envelope unreadable: no filtered webhook gets the "
                       "event\" position=%llu error=\"%s\"\n",
                       static_cast<unsigned long long>(position),
                       std::string(st.message()).c_str());
          envelope->SetNull();
        }
      }
      if (!MatchesFilters(webhook.spec.filters, *envelope)) continue;
    }
    std::vector<Delivery> ds =
        DeliveriesFor(event, position, webhook, disabled, now_ms, schedule_, created_at);
    out.insert(out.end(), std::make_move_iterator(ds.begin()), std::make_move_iterator(ds.end()));
  }
  return absl::OkStatus();
}

std::vector<std::optional<EventRoute>> Fanout::DecodeAll(
    const std::vector<LogRecord>& records,
    std::vector<std::pair<std::string, std::string>>& asked) {
  std::vector<std::optional<EventRoute>> events;
  events.reserve(records.size());
  for (const LogRecord& rec : records) {
    absl::StatusOr<EventRoute> event = DecodeEventRoute(rec.payload);
    if (!event.ok()) {
      // Intact on disk (its checksum matched) but not an event: a producer bug, not damage.
      std::fprintf(stderr,
                   "level=error msg=\"skipping undecodable event\" position=%llu error=\"%s\"\n",
                   static_cast<unsigned long long>(rec.position),
                   std::string(event.status().message()).c_str());
      events.emplace_back();
      continue;
    }
    if (event->client_event_id) asked.emplace_back(event->internal_id, event->event_id);
    events.emplace_back(*std::move(event));
  }
  return events;
}

absl::StatusOr<size_t> Fanout::Step() {
  absl::StatusOr<uint64_t> cursor = deliveries_.Cursor();
  if (!cursor.ok()) return cursor.status();
  absl::StatusOr<std::vector<LogRecord>> records = log_.Read(*cursor, batch_);
  if (!records.ok()) return records.status();
  if (records->empty()) return 0;
  // After the read: a webhook change made before any of these events was appended is seen.
  absl::StatusOr<std::string> version = webhooks_.ConfigVersion();
  if (!version.ok()) return version.status();
  if (*version != cache_version_) {
    cache_.clear();
    cached_webhooks_ = 0;
    cache_version_ = *std::move(version);
  }
  const TimePoint now = clock_();
  const int64_t now_ms = UnixMillis(now);
  const std::string created_at = FormatTimestamp(now);
  std::vector<std::pair<std::string, std::string>> asked;  // producers' ids, in log order
  std::vector<std::optional<EventRoute>> events = DecodeAll(*records, asked);
  absl::StatusOr<std::vector<bool>> seen_before =
      asked.empty() ? std::vector<bool>() : deliveries_.SeenEvents(asked);
  if (!seen_before.ok()) return seen_before.status();
  if (seen_before->size() != asked.size()) return absl::InternalError("SeenEvents: wrong count");
  std::vector<Delivery> out;
  std::vector<std::pair<std::string, std::string>> seen;
  std::set<std::pair<std::string, std::string>> seen_here;
  size_t next_asked = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    if (!events[i]) continue;
    if (events[i]->client_event_id) {
      const bool before = (*seen_before)[next_asked];
      std::pair<std::string, std::string>& key = asked[next_asked++];
      if (before || !seen_here.insert(key).second) continue;  // acknowledged, delivered once
      seen.push_back(std::move(key));
    }
    const uint64_t position = (*records)[i].position;
    if (absl::Status st = Collect(*events[i], position, now_ms, created_at, out); !st.ok()) {
      return st;
    }
  }
  absl::Status st = deliveries_.Enqueue(out, seen, records->back().next_position);
  if (!st.ok()) return st;
  return records->size();
}

}  // namespace webhooks
