// Event filters: a webhook's `filters` select, among the events of its event_types, those whose
// envelope holds given values at given paths, e.g.
//   {"namespace_id": "ns_prod", "subject.type": ["collection", "taxonomy"]}
// Every path must match (AND); a list matches any of its values (OR). A path is a template path
// (model/json_path.h) whose first segment is a field of the envelope: event_id, event_type,
// occurred_at, namespace_id, subject, metadata or cache_scope. A value is a JSON string, number
// or boolean and matches an equal value there (numbers by value: whole numbers exactly, 3 and
// 3.0 alike); where the envelope holds an array, any equal element matches. A path that names
// nothing, or null, matches no value. Pure: no I/O.
#ifndef WEBHOOKS_MODEL_EVENT_FILTER_H_
#define WEBHOOKS_MODEL_EVENT_FILTER_H_

#include <rapidjson/document.h>

#include <cstddef>
#include <vector>

#include "model/json_input.h"
#include "model/validation.h"
#include "model/webhook.h"

namespace webhooks {

inline constexpr size_t kMaxFilters = 16;
inline constexpr size_t kMaxFilterValues = 64;
inline constexpr size_t kMaxFilterValueChars = 1024;

// Reads a webhook body's `filters` (`value`, at location `at`): an object of at most
// kMaxFilters paths, each mapped to a value or a list of 1..kMaxFilterValues values (strings of
// 1..kMaxFilterValueChars code points). nullptr (absent or null) and {} mean no filters. Every
// failure goes to `errors`, at the path's key.
std::vector<EventFilter> ParseEventFilters(const rapidjson::Value* value, const Path& at,
                                           ValidationErrors& errors);

// Writes `filters` as the object ParseEventFilters read (a single value as a single value, a
// list as a list). Whole numbers are written as given; other numbers with the same value, in
// rapidjson's shortest form (3.0 as 3.0, 1e20 as 100000000000000000000.0).
void WriteEventFilters(const std::vector<EventFilter>& filters, JsonWriter& w);

// Whether `envelope` (the delivered JSON object) passes `filter`.
bool PassesFilter(const EventFilter& filter, const rapidjson::Value& envelope);

// Whether `envelope` (the delivered JSON object) passes every filter; true when there are none.
bool MatchesFilters(const std::vector<EventFilter>& filters, const rapidjson::Value& envelope);

}  // namespace webhooks

#endif  // WEBHOOKS_MODEL_EVENT_FILTER_H_
