// Events: what producers append and what channels deliver.
#ifndef WEBHOOKS_MODEL_EVENT_H_
#define WEBHOOKS_MODEL_EVENT_H_

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/time_format.h"

namespace webhooks {

struct Event {
  std::string internal_id;       // the organization; never delivered
  std::string event_id;          // "evt_..." or the producer's own id
  bool client_event_id = false;  // event_id came from the producer (deduplicated per org)
  std::string event_type;        // one of the spec names
  std::string occurred_at;       // RFC 3339
  std::optional<std::string> namespace_id;
  // Optional JSON values, kept as compact JSON text: subject {type, id}, metadata (object),
  // cache_scope (object).
  std::optional<std::string> subject;
  std::optional<std::string> metadata;
  std::optional<std::string> cache_scope;
  bool operator==(const Event&) const = default;
};

inline constexpr size_t kMaxEventIdLength = 128;

// Validates a POST /v1/events body (or webhookctl's --data): {event_type, event_id?,
// occurred_at?, namespace_id?, subject?: {type, id}, metadata?, cache_scope?}. Missing
// event_id / occurred_at are filled in ("evt_" + 24 random alphanumerics; `now`). Returns
// InvalidArgument with field errors (locations start with "body").
absl::StatusOr<Event> ParseEventBody(const rapidjson::Value& body, std::string internal_id,
                                     TimePoint now);

// POST /v1/events/batch: {"events": [1..kMaxBatchEvents event bodies]}, each read as by
// ParseEventBody; every event's field errors together, at ["body","events",i,...].
inline constexpr size_t kMaxBatchEvents = 1000;
absl::StatusOr<std::vector<Event>> ParseEventBatch(const rapidjson::Value& body,
                                                   const std::string& internal_id, TimePoint now);

// The log record: everything, internal_id included.
std::string EncodeEventRecord(const Event& event);
// DataLoss when malformed. Trusts the writer, which validated the event: a record in
// EncodeEventRecord's shape skips ParseEventBody's field checks (other shapes go through them).
absl::StatusOr<Event> DecodeEventRecord(std::string_view record);

// The envelope delivered to channels: {event_id, event_type, occurred_at, namespace_id, subject,
// metadata, cache_scope}; absent optional fields are null. No internal_id.
std::string EnvelopeJson(const Event& event);

// What the notifier's fan-out reads of a log record: the fields that route it, and its envelope.
struct EventRoute {
  std::string internal_id;
  std::string event_id;
  bool client_event_id = false;
  std::string event_type;
  std::string envelope_json;
};

// DecodeEventRecord's answer in the fan-out's terms: the same fields, and EnvelopeJson of the
// same event (the same JSON value; the same text for records EncodeEventRecord wrote). A record
// in EncodeEventRecord's shape, with the fields DecodeEventRecord would accept without
// ParseEventBody, is read in one pass without building a document, and its envelope is the
// record's own text after the two internal fields; any other goes through DecodeEventRecord.
absl::StatusOr<EventRoute> DecodeEventRoute(std::string_view record);

}  // namespace webhooks

#endif  // WEBHOOKS_MODEL_EVENT_H_
