#include "model/event_filter.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>

#include "model/json_fields.h"
#include "model/json_path.h"

namespace webhooks {
namespace {

// The envelope's fields (EnvelopeJson), where a filter's path starts.
constexpr std::array<std::string_view, 7> kEnvelopeFields = {
    "event_id", "event_type", "occurred_at", "namespace_id", "subject", "metadata", "cache_scope"};

bool StartsAtEnvelopeField(std::string_view path) {
  std::string_view first = path.substr(0, path.find('.'));
  return std::find(kEnvelopeFields.begin(), kEnvelopeFields.end(), first) != kEnvelopeFields.end();
}

// One value of a filter, or nullopt (with an error at `at`).
std::optional<FilterValue> ParseValue(const rapidjson::Value& v, const Path& at,
                                      ValidationErrors& errors) {
  if (v.IsBool()) return FilterValue(v.GetBool());
  if (v.IsInt64()) return FilterValue(v.GetInt64());
  if (v.IsUint64()) return FilterValue(v.GetUint64());
  if (v.IsNumber()) return FilterValue(v.GetDouble());
  if (!v.IsString()) {
    errors.Add("filter_value_type", at, "Input should be a string, a number or a boolean");
    return std::nullopt;
  }
  const size_t len = Utf8Length(std::string_view(v.GetString(), v.GetStringLength()));
  if (len == 0 || len > kMaxFilterValueChars) {
    errors.Add(len == 0 ? "string_too_short" : "string_too_long", at,
               "String should have 1 to " + std::to_string(kMaxFilterValueChars) + " characters");
    return std::nullopt;
  }
  return FilterValue(std::string(v.GetString(), v.GetStringLength()));
}

// The values of one path: a single value or a non-empty list of them.
std::vector<FilterValue> ParseValues(const rapidjson::Value& v, const Path& at,
                                     ValidationErrors& errors) {
  std::vector<FilterValue> out;
  if (!v.IsArray()) {
    if (std::optional<FilterValue> one = ParseValue(v, at, errors)) out.push_back(*one);
    return out;
  }
  if (v.Empty() || v.Size() > kMaxFilterValues) {
    errors.Add(v.Empty() ? "too_short" : "too_long", at,
               "List should have 1 to " + std::to_string(kMaxFilterValues) + " values");
    return out;
  }
  for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
    if (std::optional<FilterValue> one = ParseValue(v[i], Child(at, i), errors)) {
      out.push_back(*one);
    }
  }
  return out;
}

// Whole numbers compare exactly with whole numbers; a number with a fraction or an exponent
// compares as a double with any number.
bool Equal(const rapidjson::Value& v, const FilterValue& want) {
  if (const auto* s = std::get_if<std::string>(&want)) {
    return v.IsString() && std::string_view(v.GetString(), v.GetStringLength()) == *s;
  }
  if (const auto* b = std::get_if<bool>(&want)) return v.IsBool() && v.GetBool() == *b;
  if (!v.IsNumber()) return false;
  if (const auto* d = std::get_if<double>(&want)) return v.GetDouble() == *d;
  if (v.IsDouble()) {
    const double whole = std::holds_alternative<int64_t>(want)
                             ? static_cast<double>(std::get<int64_t>(want))
                             : static_cast<double>(std::get<uint64_t>(want));
    return v.GetDouble() == whole;
  }
  if (const auto* i = std::get_if<int64_t>(&want)) return v.IsInt64() && v.GetInt64() == *i;
  return v.IsUint64() && v.GetUint64() == std::get<uint64_t>(want);
}

}  // namespace

std::vector<EventFilter> ParseEventFilters(const rapidjson::Value* value, const Path& at,
                                           ValidationErrors& errors) {
  std::vector<EventFilter> out;
  if (value == nullptr || value->IsNull()) return out;
  if (!value->IsObject()) {
    errors.Add("dict_type", at, "Input should be a valid dictionary (a JSON object)");
    return out;
  }
  if (value->MemberCount() > kMaxFilters) {
    errors.Add("too_long", at, "At most " + std::to_string(kMaxFilters) + " filters");
    return out;
  }
  for (auto it = value->MemberBegin(); it != value->MemberEnd(); ++it) {
    std::string path(it->name.GetString(), it->name.GetStringLength());
    const Path here = Child(at, path);
    if (!IsValidJsonPath(path) || !StartsAtEnvelopeField(path)) {
      errors.Add("filter_path", here,
                 "A filter path is dotted segments of letters, digits, '_' and '-' starting at "
                 "an envelope field: event_id, event_type, occurred_at, namespace_id, subject, "
                 "metadata or cache_scope");
      continue;
    }
    if (std::any_of(out.begin(), out.end(), [&](const EventFilter& f) { return f.path == path; })) {
      errors.Add("filter_path", here, "Path given twice");
      continue;
    }
    std::vector<FilterValue> values = ParseValues(it->value, here, errors);
    if (!values.empty()) {
      out.push_back(EventFilter{std::move(path), std::move(values), it->value.IsArray()});
    }
  }
  return out;
}

void WriteEventFilters(const std::vector<EventFilter>& filters, JsonWriter& w) {
  w.StartObject();
  for (const EventFilter& f : filters) {
    w.Key(f.path.data(), static_cast<rapidjson::SizeType>(f.path.size()));
    if (f.listed) w.StartArray();
    for (const FilterValue& v : f.any_of) {
      if (const auto* s = std::get_if<std::string>(&v)) {
        w.String(*s);
      } else if (const auto* i = std::get_if<int64_t>(&v)) {
        w.Int64(*i);
      } else if (const auto* u = std::get_if<uint64_t>(&v)) {
        w.Uint64(*u);
      } else if (const auto* d = std::get_if<double>(&v)) {
        w.Double(*d);  // with a fraction or an exponent: 3.0 stays 3.0
      } else {
        w.Bool(std::get<bool>(v));
      }
    }
    if (f.listed) w.EndArray();
  }
  w.EndObject();
}

bool PassesFilter(const EventFilter& f, const rapidjson::Value& envelope) {
  const rapidjson::Value* v = LookupJsonPath(envelope, f.path);
  if (v == nullptr) return false;
  auto any_equal = [&](const rapidjson::Value& x) {
    return std::any_of(f.any_of.begin(), f.any_of.end(),
                       [&](const FilterValue& want) { return Equal(x, want); });
  };
  if (!v->IsArray()) return any_equal(*v);
  return std::any_of(v->Begin(), v->End(), any_equal);
}

bool MatchesFilters(const std::vector<EventFilter>& filters, const rapidjson::Value& envelope) {
  return std::all_of(filters.begin(), filters.end(),
                     [&](const EventFilter& f) { return PassesFilter(f, envelope); });
}

}  // namespace webhooks
