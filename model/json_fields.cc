#include "model/json_fields.h"

namespace webhooks {

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

const rapidjson::Value* FieldReader::Find(const char* key) const {
  auto it = obj_.FindMember(key);
  if (it == obj_.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

bool FieldReader::CheckString(const rapidjson::Value& v, const Path& at, size_t max_chars) {
  if (!v.IsString()) {
    errors_.Add("string_type", at, "Input should be a valid string");
    return false;
  }
  size_t len = Utf8Length(std::string_view(v.GetString(), v.GetStringLength()));
  if (len == 0) {
    errors_.Add("string_too_short", at, "String should have at least 1 character");
    return false;
  }
  if (len > max_chars) {
    errors_.Add("string_too_long", at,
                "String should have at most " + std::to_string(max_chars) + " characters");
    return false;
  }
  return true;
}

std::optional<std::string> FieldReader::String(const char* key, bool required, size_t max_chars) {
  const rapidjson::Value* v = Find(key);
  if (v == nullptr) {
    if (required) Error(key, "missing", "Field required");
    return std::nullopt;
  }
  if (!CheckString(*v, At(key), max_chars)) return std::nullopt;
  return std::string(v->GetString(), v->GetStringLength());
}

std::optional<std::vector<std::string>> FieldReader::StringList(const char* key, bool required,
                                                                bool non_empty, size_t max_items,
                                                                size_t max_chars) {
  const rapidjson::Value* v = Find(key);
  if (v == nullptr) {
    if (required) Error(key, "missing", "Field required");
    return std::nullopt;
  }
  if (!v->IsArray()) {
    Error(key, "list_type", "Input should be a valid list");
    return std::nullopt;
  }
  if (non_empty && v->Empty()) {
    Error(key, "too_short", "List should have at least 1 item");
    return std::nullopt;
  }
  if (v->Size() > max_items) {
    Error(key, "too_long", "List should have at most " + std::to_string(max_items) + " items");
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
    const rapidjson::Value& item = (*v)[i];
    if (!CheckString(item, Child(At(key), i), max_chars)) {
      ok = false;
      continue;
    }
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<bool> FieldReader::Bool(const char* key) {
  const rapidjson::Value* v = Find(key);
  if (v == nullptr) return std::nullopt;
  if (!v->IsBool()) {
    Error(key, "bool_type", "Input should be a valid boolean");
    return std::nullopt;
  }
  return v->GetBool();
}

std::optional<double> FieldReader::Number(const char* key) {
  const rapidjson::Value* v = Find(key);
  if (v == nullptr) return std::nullopt;
  if (!v->IsNumber()) {
    Error(key, "float_type", "Input should be a valid number");
    return std::nullopt;
  }
  return v->GetDouble();
}

const rapidjson::Value* FieldReader::Object(const char* key, bool required) {
  const rapidjson::Value* v = Find(key);
  if (v == nullptr) {
    if (required) Error(key, "missing", "Field required");
    return nullptr;
  }
  if (!v->IsObject()) {
    Error(key, "dict_type", "Input should be a valid dictionary");
    return nullptr;
  }
  return v;
}

}  // namespace webhooks
