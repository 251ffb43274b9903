#include "store/account_codec.h"

#include "model/json_input.h"

namespace webhooks {

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
  return BufferText(buf);
}

absl::StatusOr<Organization> DecodeOrganization(std::string_view json) {
  rapidjson::Document doc;
  if (!ParseJson(json, &doc).ok() || !doc.IsObject()) {
    return absl::DataLossError("malformed organization record");
  }
  return Organization{StringMember(doc, "internal_id"), StringMember(doc, "name"),
                      StringMember(doc, "created_at")};
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
  return BufferText(buf);
}

absl::StatusOr<ApiKeyRecord> DecodeApiKey(std::string_view key_hash, std::string_view json) {
  rapidjson::Document doc;
  if (!ParseJson(json, &doc).ok() || !doc.IsObject()) {
    return absl::DataLossError("malformed API key record");
  }
  return ApiKeyRecord{std::string(key_hash), StringMember(doc, "internal_id"),
                      StringMember(doc, "prefix"), StringMember(doc, "created_at")};
}

}  // namespace webhooks
