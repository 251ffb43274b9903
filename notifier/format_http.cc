// The HTTP webhook channel: a signed (Standard Webhooks) JSON POST.
#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "model/template.h"
#include "notifier/format_internal.h"
#include "notifier/signer.h"

namespace webhooks::format_internal {
namespace {

// Headers the service sets itself; configured headers with these names are dropped (the model
// already refuses them; this keeps a stale record from breaking framing or the signature). A
// configured User-Agent replaces the default one.
constexpr std::array<std::string_view, 8> kReserved = {
    "content-length", "host",       "transfer-encoding", "connection",
    "content-type",   "webhook-id", "webhook-timestamp", "webhook-signature"};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsSafeHeader(const std::pair<std::string, std::string>& header) {
  auto bad = [](char c) { return c == '\r' || c == '\n' || c == '\0'; };
  return !header.first.empty() && std::none_of(header.first.begin(), header.first.end(), bad) &&
         std::none_of(header.second.begin(), header.second.end(), bad);
}

}  // namespace

absl::StatusOr<Outbound> BuildHttp(const HttpChannel& channel, const DeliveryContext& ctx) {
  if (channel.url.empty()) return absl::InvalidArgumentError("webhook channel has no url");
  OutboundHttp out;
  out.url = channel.url;
  out.timeout_seconds = channel.timeout_seconds;
  out.guard_target = true;
  if (channel.payload_template) {
    rapidjson::Document envelope = ParseEnvelope(ctx.envelope_json);
    out.body = RenderJsonTemplate(*channel.payload_template, envelope);
  } else {
    out.body = ctx.envelope_json;
  }
  bool custom_agent = false;
  for (const auto& header : channel.headers) {
    if (!IsSafeHeader(header)) continue;
    const std::string name = Lower(header.first);
    if (name == "user-agent") {
      custom_agent = true;
    } else if (std::find(kReserved.begin(), kReserved.end(), name) != kReserved.end()) {
      continue;
    }
    out.headers.push_back(header);
  }
  out.headers.emplace_back("Content-Type", "application/json");
  if (!custom_agent) out.headers.emplace_back("User-Agent", std::string(kUserAgent));
  out.headers.emplace_back("webhook-id", ctx.delivery_id);
  out.headers.emplace_back("webhook-timestamp", std::to_string(ctx.timestamp_s));
  if (!channel.signing_secret.empty()) {
    std::string signature =
        SignatureHeader(channel.signing_secret, ctx.delivery_id, ctx.timestamp_s, out.body);
    // During a rotation, a signature with the replaced secret too: Standard Webhooks receivers
    // accept a header when any of its space-separated signatures verifies.
    if (!channel.previous_signing_secret.empty() &&
        ctx.timestamp_s * 1000 < channel.previous_secret_expires_ms) {
      signature.push_back(' ');
      signature += SignatureHeader(channel.previous_signing_secret, ctx.delivery_id,
                                   ctx.timestamp_s, out.body);
    }
    out.headers.emplace_back("webhook-signature", std::move(signature));
  }
  return Outbound(std::move(out));
}

}  // namespace webhooks::format_internal
