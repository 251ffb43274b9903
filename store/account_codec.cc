#include "store/account_codec.h"

#include "model/json_input.h"

namespace webhooks {
namespace {

std::string StringField(const rapidjson::Document& doc, const char* key) {
  auto it = doc.FindMember(key);
  return it != doc.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

}  // namespace

std::string EncodeOrganization(const Organization& org) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("internal_id");
  w.String(org.internal_id);
  w.Key("name");
  w.String(org.name);
  w.Key("created_at");
  w.String(org.created_at);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

absl::StatusOr<Organization> DecodeOrganization(std::string_view json) {
  rapidjson::Document doc;
  if (!ParseJson(json, &doc).ok() || !doc.IsObject()) {
    return absl::DataLossError("malformed organization record");
  }
  return Organization{StringField(doc, "internal_id"), StringField(doc, "name"),
                      StringField(doc, "created_at")};
}

std::string EncodeApiKey(const ApiKeyRecord& key) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("internal_id");
  w.String(key.internal_id);
  w.Key("prefix");
  w.String(key.prefix);
  w.Key("created_at");
  w.String(key.created_at);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

absl::StatusOr<ApiKeyRecord> DecodeApiKey(std::string_view key_hash, std::string_view json) {
  rapidjson::Document doc;
  if (!ParseJson(json, &doc).ok() || !doc.IsObject()) {
    return absl::DataLossError("malformed API key record");
  }
  return ApiKeyRecord{std::string(key_hash), StringField(doc, "internal_id"),
                      StringField(doc, "prefix"), StringField(doc, "created_at")};
}

}  // namespace webhooks
