#include "store/dump_format.h"

#include "common/crypto.h"
#include "common/ids.h"
#include "common/time_format.h"
#include "model/json_input.h"
#include "model/webhook_codec.h"
#include "store/account_codec.h"
#include "store/delivery_codec.h"

namespace webhooks::dump {
namespace {

constexpr std::array<std::string_view, kNumKinds> kKindNames = {"org", "api_key", "webhook",
                                                                "delivery", "cursor"};
constexpr size_t kMaxOrgName = 800;  // bytes; webhookctl org create's limit

std::optional<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

absl::Status Invalid(const std::string& what) { return absl::InvalidArgumentError(what); }

absl::Status CheckOrg(const Organization& org) {
  if (!IsOrganizationId(org.internal_id)) return Invalid("org: internal_id is not an int_ id");
  if (org.name.empty() || org.name.size() > kMaxOrgName)
    return Invalid("org: name must be 1-200 characters");
  if (!ParseTimestamp(org.created_at)) return Invalid("org: created_at is not an RFC 3339 time");
  return absl::OkStatus();
}

absl::Status ParseApiKey(const rapidjson::Value& doc, const std::string& record, Record* r) {
  std::optional<std::string> hash = HexDecode(StringMember(doc, "key_hash"));
  if (!hash || hash->size() != 32) return Invalid("api_key: key_hash must be 64 hex digits");
  absl::StatusOr<ApiKeyRecord> key = DecodeApiKey(*hash, record);
  if (!key.ok()) return Invalid("api_key: " + std::string(key.status().message()));
  if (!IsOrganizationId(key->internal_id)) return Invalid("api_key: internal_id is not an int_ id");
  if (key->prefix.rfind("sk_live_", 0) != 0 || key->prefix.size() > 64) {
    return Invalid("api_key: prefix must start with sk_live_");
  }
  if (!ParseTimestamp(key->created_at))
    return Invalid("api_key: created_at is not an RFC 3339 time");
  r->key = *std::move(key);
  return absl::OkStatus();
}

absl::Status ParseDelivery(const std::string& record, Record* r) {
  absl::StatusOr<Delivery> d = DecodeDelivery(record);
  if (!d.ok()) return Invalid("delivery: " + std::string(d.status().message()));
  if (d->delivery_id.rfind("msg_", 0) != 0 || !IsOrganizationId(d->internal_id) ||
      !IsWebhookId(d->webhook_id)) {
    return Invalid("delivery: malformed delivery_id, internal_id or webhook_id");
  }
  r->delivery = *std::move(d);
  return absl::OkStatus();
}

absl::Status ParseKindRecord(Kind kind, const rapidjson::Document& doc, Record* r) {
  if (kind == Kind::kCursor) {
    auto it = doc.FindMember("position");
    if (it == doc.MemberEnd() || !it->value.IsUint64())
      return Invalid("cursor: position must be an unsigned integer");
    r->cursor = it->value.GetUint64();
    return absl::OkStatus();
  }
  auto rec = doc.FindMember("record");
  if (rec == doc.MemberEnd() || !rec->value.IsObject()) return Invalid("record must be an object");
  r->stored = ToJson(rec->value);
  const std::string& text = r->stored;
  switch (kind) {
    case Kind::kOrg: {
      absl::StatusOr<Organization> org = DecodeOrganization(text);
      if (!org.ok()) return Invalid("org: " + std::string(org.status().message()));
      r->org = *std::move(org);
      return CheckOrg(r->org);
    }
    case Kind::kApiKey:
      return ParseApiKey(doc, text, r);
    case Kind::kWebhook: {
      absl::StatusOr<Webhook> w = DecodeStoredWebhook(rec->value);
      if (!w.ok()) return Invalid("webhook: " + std::string(w.status().message()));
      if (w->seq == 0) return Invalid("webhook: seq must be a positive integer");
      r->webhook = *std::move(w);
      return absl::OkStatus();
    }
    case Kind::kDelivery:
      return ParseDelivery(text, r);
    default:
      return Invalid("unknown kind");
  }
}

}  // namespace

constexpr std::string_view kWebhookPrefix = "{\"kind\":\"webhook\",\"record\":";

bool IsWebhookLine(std::string_view line) { return line.rfind(kWebhookPrefix, 0) == 0; }

absl::StatusOr<StoredWebhook> ParseStoredWebhook(std::string_view line) {
  rapidjson::Document doc;
  if (absl::Status st = ParseJson(line, &doc); !st.ok()) {
    return Invalid("not valid JSON: " + std::string(st.message()));
  }
  auto rec = doc.IsObject() ? doc.FindMember("record") : doc.MemberEnd();
  if (rec == doc.MemberEnd() || !rec->value.IsObject() || StringMember(doc, "kind") != "webhook") {
    return Invalid("not a webhook record");
  }
  const rapidjson::Value& v = rec->value;
  StoredWebhook w;
  // As WebhookLine wrote it, the record is the line between the prefix and the closing brace.
  if (doc.MemberCount() == 2 && IsWebhookLine(line) && line.back() == '}') {
    w.stored = line.substr(kWebhookPrefix.size(), line.size() - kWebhookPrefix.size() - 1);
  } else {
    w.stored = ToJson(v);
  }
  w.internal_id = StringMember(v, "internal_id");
  w.webhook_id = StringMember(v, "webhook_id");
  w.webhook_name = StringMember(v, "webhook_name");
  auto seq = v.FindMember("seq");
  if (seq != v.MemberEnd() && seq->value.IsUint64()) w.seq = seq->value.GetUint64();
  auto active = v.FindMember("is_active");
  w.is_active = active == v.MemberEnd() || !active->value.IsBool() || active->value.GetBool();
  auto types = v.FindMember("event_types");
  if (types != v.MemberEnd() && types->value.IsArray()) {
    for (const auto& t : types->value.GetArray()) {
      if (t.IsString()) w.event_types.emplace_back(t.GetString(), t.GetStringLength());
    }
  }
  return w;
}

StoredWebhook StoredWebhookOf(const Record& r) {
  const Webhook& w = r.webhook;
  return StoredWebhook{r.stored, w.internal_id,    w.webhook_id,      w.spec.webhook_name,
                       w.seq,    w.spec.is_active, w.spec.event_types};
}

std::string_view KindName(Kind kind) { return kKindNames[static_cast<size_t>(kind)]; }

uint64_t Counts::total() const {
  uint64_t n = 0;
  for (uint64_t c : by_kind) n += c;
  return n;
}

std::string EncodeHeader(const Header& h) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("format");
  w.String(kFormat.data(), kFormat.size());
  w.Key("version");
  w.Int(h.version);
  w.Key("created_at");
  w.String(h.created_at);
  w.Key("data_dir");
  w.String(h.data_dir);
  w.Key("include_state");
  w.Bool(h.include_state);
  w.EndObject();
  return BufferText(buf);
}

absl::StatusOr<Header> ParseHeader(std::string_view line) {
  rapidjson::Document doc;
  if (!ParseJson(line, &doc).ok() || !doc.IsObject() || StringMember(doc, "format") != kFormat) {
    return Invalid("not a webhooks dump (the header line must have \"format\":\"webhooks-dump\")");
  }
  auto v = doc.FindMember("version");
  if (v == doc.MemberEnd() || !v->value.IsInt()) return Invalid("header has no integer version");
  if (v->value.GetInt() != kVersion) {
    return Invalid("unsupported dump version " + std::to_string(v->value.GetInt()) +
                   " (this webhookctl reads version " + std::to_string(kVersion) + ")");
  }
  Header h;
  h.created_at = StringMember(doc, "created_at");
  h.data_dir = StringMember(doc, "data_dir");
  auto st = doc.FindMember("include_state");
  h.include_state = st != doc.MemberEnd() && st->value.IsBool() && st->value.GetBool();
  return h;
}

std::string EncodeTrailer(const Trailer& t) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("trailer");
  w.Bool(true);
  w.Key("records");
  w.Uint64(t.counts.total());
  w.Key("counts");
  w.StartObject();
  for (size_t i = 0; i < kNumKinds; ++i) {
    w.Key(kKindNames[i].data(), kKindNames[i].size());
    w.Uint64(t.counts.by_kind[i]);
  }
  w.EndObject();
  w.Key("sha256");
  w.String(t.sha256_hex);
  w.EndObject();
  return BufferText(buf);
}

absl::StatusOr<std::optional<Trailer>> ParseTrailer(std::string_view line) {
  if (line.rfind("{\"trailer\"", 0) != 0) return std::optional<Trailer>();
  rapidjson::Document doc;
  if (!ParseJson(line, &doc).ok() || !doc.IsObject()) return Invalid("trailer is not valid JSON");
  Trailer t;
  auto counts = doc.FindMember("counts");
  if (counts == doc.MemberEnd() || !counts->value.IsObject())
    return Invalid("trailer has no counts");
  for (size_t i = 0; i < kNumKinds; ++i) {
    auto c = counts->value.FindMember(kKindNames[i].data());
    if (c == counts->value.MemberEnd() || !c->value.IsUint64()) {
      return Invalid("trailer count for " + std::string(kKindNames[i]) + " is missing");
    }
    t.counts.by_kind[i] = c->value.GetUint64();
  }
  auto records = doc.FindMember("records");
  if (records == doc.MemberEnd() || !records->value.IsUint64() ||
      records->value.GetUint64() != t.counts.total()) {
    return Invalid("trailer records is missing or differs from the sum of its counts");
  }
  t.sha256_hex = StringMember(doc, "sha256");
  if (t.sha256_hex.size() != 64) return Invalid("trailer sha256 must be 64 hex digits");
  return std::optional<Trailer>(std::move(t));
}

std::string OrgLine(std::string_view stored_json) {
  return "{\"kind\":\"org\",\"record\":" + std::string(stored_json) + "}";
}
std::string ApiKeyLine(std::string_view key_hash, std::string_view stored_json) {
  return "{\"kind\":\"api_key\",\"key_hash\":\"" + HexEncode(key_hash) +
         "\",\"record\":" + std::string(stored_json) + "}";
}
std::string WebhookLine(std::string_view stored_json) {
  return "{\"kind\":\"webhook\",\"record\":" + std::string(stored_json) + "}";
}
std::string DeliveryLine(std::string_view stored_json) {
  return "{\"kind\":\"delivery\",\"record\":" + std::string(stored_json) + "}";
}
std::string CursorLine(uint64_t position) {
  return "{\"kind\":\"cursor\",\"position\":" + std::to_string(position) + "}";
}

absl::StatusOr<Record> ParseRecord(std::string_view line) {
  rapidjson::Document doc;
  if (absl::Status st = ParseJson(line, &doc); !st.ok()) {
    return Invalid("not valid JSON: " + std::string(st.message()));
  }
  if (!doc.IsObject()) return Invalid("a record must be a JSON object");
  const std::string kind = StringMember(doc, "kind");
  Record r;
  size_t i = 0;
  while (i < kNumKinds && kKindNames[i] != kind) ++i;
  if (i == kNumKinds) return Invalid("unknown record kind \"" + kind + "\"");
  r.kind = static_cast<Kind>(i);
  if (absl::Status st = ParseKindRecord(r.kind, doc, &r); !st.ok()) return st;
  return r;
}

Sha256Stream::Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr);
}
Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(ctx_); }
void Sha256Stream::Update(std::string_view data) {
  EVP_DigestUpdate(ctx_, data.data(), data.size());
}
std::string Sha256Stream::FinalHex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx_, md, &n);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(md), n));
}

}  // namespace webhooks::dump
