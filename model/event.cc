#include "model/event.h"

#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "common/crypto.h"
#include "model/event_types.h"
#include "model/json_fields.h"
#include "model/json_input.h"
#include "model/validation.h"

namespace webhooks {
namespace {

bool IsEventId(std::string_view id) {
  return !id.empty() && id.size() <= kMaxEventIdLength &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
                  c == ':';
         });
}

// subject: {type, id}, both non-empty strings.
void ReadSubject(FieldReader& r, ValidationErrors& errors, Event& e) {
  const rapidjson::Value* subject = r.Object("subject", false);
  if (subject == nullptr) return;
  FieldReader s(*subject, r.At("subject"), errors);
  size_t before = errors.errors().size();
  s.String("type", true, 64);
  s.String("id", true, 256);
  if (errors.errors().size() == before) e.subject = ToJson(*subject);
}

std::optional<std::string> OptionalObject(FieldReader& r, const char* key) {
  const rapidjson::Value* v = r.Object(key, false);
  if (v == nullptr) return std::nullopt;
  return ToJson(*v);
}

void WriteOptionalRaw(JsonWriter& w, const char* key, const std::optional<std::string>& json) {
  w.Key(key);
  if (json) {
    w.RawValue(json->data(), json->size(), rapidjson::kObjectType);
  } else {
    w.Null();
  }
}

void WriteEnvelopeFields(const Event& e, JsonWriter& w) {
  w.Key("event_id");
  w.String(e.event_id);
  w.Key("event_type");
  w.String(e.event_type);
  w.Key("occurred_at");
  w.String(e.occurred_at);
  w.Key("namespace_id");
  e.namespace_id ? w.String(*e.namespace_id) : w.Null();
  WriteOptionalRaw(w, "subject", e.subject);
  WriteOptionalRaw(w, "metadata", e.metadata);
  WriteOptionalRaw(w, "cache_scope", e.cache_scope);
}

// "YYYY-MM-DDTHH:MM:SSZ", the only form FormatTimestamp writes.
bool IsCanonicalTimestamp(std::string_view t) {
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";
  if (t.size() != kShape.size()) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    if (kShape[i] == 'd' ? !std::isdigit(static_cast<unsigned char>(t[i])) : t[i] != kShape[i]) {
      return false;
    }
  }
  return true;
}

// A log record as EncodeEventRecord writes it, read without ParseEventBody: its fields were
// validated before the append, and the log checksums every record. Checks what is cheap (types,
// the event type, the event id, the timestamp's canonical form, subject's two strings) and
// returns nullopt for anything else, which the validating path then decodes or refuses.
std::optional<Event> ReadWrittenRecord(const rapidjson::Document& doc) {
  auto member = [&](const char* key) -> const rapidjson::Value* {
    auto it = doc.FindMember(key);
    return it == doc.MemberEnd() ? nullptr : &it->value;
  };
  auto is_text = [](const rapidjson::Value* v) {
    return v != nullptr && v->IsString() && v->GetStringLength() > 0;
  };
  auto text = [&](const rapidjson::Value* v, std::string& out) {
    if (is_text(v)) out.assign(v->GetString(), v->GetStringLength());
    return is_text(v);
  };
  // Absent or null: nullopt; an object: its compact JSON. False for anything else.
  auto object = [](const rapidjson::Value* v, std::optional<std::string>& out) {
    if (v != nullptr && v->IsObject()) out = ToJson(*v);
    return v == nullptr || v->IsNull() || v->IsObject();
  };
  Event e;
  const rapidjson::Value* client = member("client_event_id");
  const rapidjson::Value* ns = member("namespace_id");
  const rapidjson::Value* subject = member("subject");
  if (!text(member("internal_id"), e.internal_id) || !text(member("event_id"), e.event_id) ||
      !text(member("event_type"), e.event_type) || !text(member("occurred_at"), e.occurred_at) ||
      client == nullptr || !client->IsBool() || !EventTypeIndex(e.event_type) ||
      !IsEventId(e.event_id) || !IsCanonicalTimestamp(e.occurred_at)) {
    return std::nullopt;
  }
  e.client_event_id = client->IsTrue();
  if (ns != nullptr && !ns->IsNull()) {
    if (!text(ns, e.namespace_id.emplace())) return std::nullopt;
  }
  if (subject != nullptr && subject->IsObject()) {
    auto type = subject->FindMember("type");
    auto id = subject->FindMember("id");
    if (type == subject->MemberEnd() || id == subject->MemberEnd() || !is_text(&type->value) ||
        !is_text(&id->value)) {
      return std::nullopt;
    }
  }
  if (!object(subject, e.subject) || !object(member("metadata"), e.metadata) ||
      !object(member("cache_scope"), e.cache_scope)) {
    return std::nullopt;
  }
  return e;
}

// Reads a record in EncodeEventRecord's shape as a stream (rapidjson SAX): the top-level keys in
// the encoder's order, with the value types ReadWrittenRecord accepts. Any other shape stops
// the parse (the caller then decodes the record the general way).
class RouteReader : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, RouteReader> {
 public:
  using Stream = rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream>;
  explicit RouteReader(const Stream& in) : in_(in) {}

  // After a successful parse: whether the record had every key, and the checks that need the
  // whole value (event type, event id, timestamp) pass.
  bool Complete() const {
    return next_key_ == kKeys.size() && subject_ok_ && EventTypeIndex(route.event_type) &&
           IsEventId(route.event_id) && IsCanonicalTimestamp(occurred_at_);
  }
  EventRoute route;
  size_t after_internal = 0;  // offset just past client_event_id's value

  bool StartObject() { return Open(/*object=*/true); }
  bool StartArray() { return Open(/*object=*/false); }
  bool EndObject(rapidjson::SizeType) { return Close(); }
  bool EndArray(rapidjson::SizeType) { return Close(); }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (depth_ == 1) {
      if (next_key_ == kKeys.size() || kKeys[next_key_] != std::string_view(s, n)) return false;
      key_ = next_key_++;
    } else if (depth_ == 2 && key_ == kSubject) {
      const std::string_view key(s, n);
      subject_field_ = key == "type" ? 1 : key == "id" ? 2 : 0;
    }
    return true;
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    if (InSubjectField()) {
      subject_fields_ |= subject_field_;
      return n > 0;
    }
    if (depth_ > 1) return true;
    if (depth_ == 0 || n == 0) return false;
    std::string* field = Field();
    if (field != nullptr) field->assign(s, n);
    return field != nullptr;
  }
  bool Bool(bool b) {
    if (depth_ != 1) return Scalar();
    if (key_ != kClientEventId) return false;
    route.client_event_id = b;
    after_internal = in_.Tell();
    return true;
  }
  bool Null() { return depth_ == 1 ? key_ >= kNamespaceId : Scalar(); }
  bool Default() { return Scalar(); }  // numbers

 private:
  static constexpr std::array<std::string_view, 9> kKeys = {
      "internal_id",  "client_event_id", "event_id", "event_type", "occurred_at",
      "namespace_id", "subject",         "metadata", "cache_scope"};
  static constexpr size_t kClientEventId = 1, kNamespaceId = 5, kSubject = 6;

  // The value of subject's type or id is next.
  bool InSubjectField() const { return depth_ == 2 && key_ == kSubject && subject_field_ != 0; }
  // A value nested in subject, metadata or cache_scope; subject's type and id must be strings.
  bool Scalar() const { return depth_ > 1 && !InSubjectField(); }
  bool Open(bool object) {
    if (depth_ == 0 && !object) return false;
    if (depth_ == 1 && (!object || key_ < kSubject)) return false;  // only the three objects
    if (InSubjectField()) return false;
    if (depth_ == 1) subject_fields_ = 0;
    subject_field_ = 0;
    return ++depth_ <= kMaxJsonDepth;
  }
  bool Close() {
    if (--depth_ == 1 && key_ == kSubject) subject_ok_ = subject_fields_ == 3;  // type and id
    return true;
  }
  std::string* Field() {
    switch (key_) {
      case 0:
        return &route.internal_id;
      case 2:
        return &route.event_id;
      case 3:
        return &route.event_type;
      case 4:
        return &occurred_at_;
      case 5:
        return &namespace_id_;
      default:
        return nullptr;
    }
  }

  const Stream& in_;
  int depth_ = 0;
  size_t next_key_ = 0;
  size_t key_ = 0;
  int subject_field_ = 0;   // the subject key just read: 1 type, 2 id, 0 another
  int subject_fields_ = 0;  // the subject fields seen: bits 1 type, 2 id
  bool subject_ok_ = true;  // a null subject is fine
  std::string occurred_at_;
  std::string namespace_id_;
};

// One event body at `at` ({"body"}, or {"body", "events", i} in a batch); field errors go to
// `errors`, and the event is then incomplete.
Event ReadEvent(const rapidjson::Value& body, const std::string& internal_id, TimePoint now,
                const Path& at, ValidationErrors& errors) {
  Event e;
  e.internal_id = internal_id;
  if (!body.IsObject()) {
    errors.Add("dict_type", at, "Input should be a valid dictionary (a JSON object)");
    return e;
  }
  FieldReader r(body, at, errors);
  if (auto type = r.String("event_type", true, 64)) {
    if (!EventTypeIndex(*type)) {
      r.Error("event_type", "enum", "Unknown event type '" + *type + "'");
    }
    e.event_type = *type;
  }
  if (auto id = r.String("event_id", false, kMaxEventIdLength)) {
    if (!IsEventId(*id)) {
      r.Error("event_id", "value_error", "event_id may hold letters, digits and _-.: only");
    }
    e.event_id = *id;
    e.client_event_id = true;
  } else {
    e.event_id = "evt_" + RandomAlphanumeric(24);
  }
  if (auto occurred = r.String("occurred_at", false, 64)) {
    std::optional<TimePoint> t = ParseTimestamp(*occurred);
    if (!t) r.Error("occurred_at", "datetime_parsing", "occurred_at must be an RFC 3339 time");
    e.occurred_at = t ? FormatTimestamp(*t) : "";
  } else {
    e.occurred_at = FormatTimestamp(now);
  }
  e.namespace_id = r.String("namespace_id", false, 256);
  ReadSubject(r, errors, e);
  e.metadata = OptionalObject(r, "metadata");
  e.cache_scope = OptionalObject(r, "cache_scope");
  return e;
}

}  // namespace

absl::StatusOr<Event> ParseEventBody(const rapidjson::Value& body, std::string internal_id,
                                     TimePoint now) {
  ValidationErrors errors;
  Event e = ReadEvent(body, internal_id, now, Path{std::string("body")}, errors);
  if (!errors.empty()) return errors.ToStatus();
  return e;
}

absl::StatusOr<std::vector<Event>> ParseEventBatch(const rapidjson::Value& body,
                                                   const std::string& internal_id, TimePoint now) {
  ValidationErrors errors;
  const Path at{std::string("body")};
  if (!body.IsObject()) {
    errors.Add("dict_type", at, "Input should be a valid dictionary (a JSON object)");
    return errors.ToStatus();
  }
  auto events = body.FindMember("events");
  if (events == body.MemberEnd() || !events->value.IsArray()) {
    errors.Add(events == body.MemberEnd() ? "missing" : "list_type", Child(at, "events"),
               "events must be a list of 1 to " + std::to_string(kMaxBatchEvents) + " events");
    return errors.ToStatus();
  }
  const auto list = events->value.GetArray();
  if (list.Empty()) {
    errors.Add("too_short", Child(at, "events"), "List should have at least 1 item");
    return errors.ToStatus();
  }
  if (list.Size() > kMaxBatchEvents) {
    errors.Add("too_long", Child(at, "events"),
               "List should have at most " + std::to_string(kMaxBatchEvents) + " items");
    return errors.ToStatus();
  }
  std::vector<Event> out;
  out.reserve(list.Size());
  for (size_t i = 0; i < list.Size(); ++i) {
    out.push_back(ReadEvent(list[i], internal_id, now, Child(Child(at, "events"), i), errors));
  }
  if (!errors.empty()) return errors.ToStatus();
  return out;
}

std::string EncodeEventRecord(const Event& e) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("internal_id");
  w.String(e.internal_id);
  w.Key("client_event_id");
  w.Bool(e.client_event_id);
  WriteEnvelopeFields(e, w);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

absl::StatusOr<Event> DecodeEventRecord(std::string_view record) {
  rapidjson::Document doc;
  if (!ParseJson(record, &doc).ok() || !doc.IsObject()) {
    return absl::DataLossError("event record is not a JSON object");
  }
  if (std::optional<Event> e = ReadWrittenRecord(doc)) return *std::move(e);
  auto internal_id = doc.FindMember("internal_id");
  if (internal_id == doc.MemberEnd() || !internal_id->value.IsString()) {
    return absl::DataLossError("event record has no internal_id");
  }
  absl::StatusOr<Event> e = ParseEventBody(doc, internal_id->value.GetString(), TimePoint{});
  if (!e.ok())
    return absl::DataLossError("event record invalid: " + std::string(e.status().message()));
  auto client = doc.FindMember("client_event_id");
  e->client_event_id = client != doc.MemberEnd() && client->value.IsTrue();
  return e;
}

std::string EnvelopeJson(const Event& e) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  WriteEnvelopeFields(e, w);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

absl::StatusOr<EventRoute> DecodeEventRoute(std::string_view record) {
  // A NUL would end the stream early (RapidJSON reads it as the end of the text).
  if (record.find('\0') == std::string_view::npos && !record.empty() && record.back() == '}') {
    rapidjson::MemoryStream memory(record.data(), record.size());
    RouteReader::Stream in(memory);
    RouteReader reader(in);
    rapidjson::Reader parser;
    constexpr unsigned kFlags = rapidjson::kParseIterativeFlag |
                                rapidjson::kParseValidateEncodingFlag |
                                rapidjson::kParseFullPrecisionFlag;
    if (!parser.Parse<kFlags>(in, reader).IsError() && reader.Complete() &&
        record[reader.after_internal] == ',') {
      reader.route.envelope_json = "{" + std::string(record.substr(reader.after_internal + 1));
      return std::move(reader.route);
    }
  }
  absl::StatusOr<Event> e = DecodeEventRecord(record);
  if (!e.ok()) return e.status();
  EventRoute route{e->internal_id, e->event_id, e->client_event_id, e->event_type,
                   EnvelopeJson(*e)};
  return route;
}

}  // namespace webhooks
