#include "model/validation.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "absl/strings/cord.h"

namespace webhooks {
namespace {

constexpr char kPayloadUrl[] = "webhooks/validation_errors";

std::string ErrorsToJson(const std::vector<FieldError>& errors) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartArray();
  for (const FieldError& e : errors) {
    w.StartObject();
    w.Key("type");
    w.String(e.type);
    w.Key("location");
    w.StartArray();
    for (const PathElement& p : e.location) {
      if (const auto* key = std::get_if<std::string>(&p)) {
        w.String(*key);
      } else {
        w.Uint64(std::get<size_t>(p));
      }
    }
    w.EndArray();
    w.Key("message");
    w.String(e.message);
    w.EndObject();
  }
  w.EndArray();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string Summary(const std::vector<FieldError>& errors) {
  const FieldError& first = errors.front();
  std::string where;
  for (const PathElement& p : first.location) {
    if (!where.empty()) where += ".";
    if (const auto* key = std::get_if<std::string>(&p)) {
      where += *key;
    } else {
      where += std::to_string(std::get<size_t>(p));
    }
  }
  std::string text = "Validation error: " + where + ": " + first.message;
  if (errors.size() > 1) text += " (and " + std::to_string(errors.size() - 1) + " more)";
  return text;
}

}  // namespace

Path Child(const Path& parent, std::string key) {
  Path p = parent;
  p.emplace_back(std::move(key));
  return p;
}

Path Child(const Path& parent, size_t index) {
  Path p = parent;
  p.emplace_back(index);
  return p;
}

void ValidationErrors::Add(std::string type, Path location, std::string message) {
  errors_.push_back(FieldError{std::move(type), std::move(location), std::move(message)});
}

absl::Status ValidationErrors::ToStatus() const {
  if (errors_.empty()) return absl::OkStatus();
  absl::Status status = absl::InvalidArgumentError(Summary(errors_));
  status.SetPayload(kPayloadUrl, absl::Cord(ErrorsToJson(errors_)));
  return status;
}

absl::Status FieldFailure(std::string type, Path location, std::string message) {
  ValidationErrors errors;
  errors.Add(std::move(type), std::move(location), std::move(message));
  return errors.ToStatus();
}

std::optional<std::string> FieldErrorsJson(const absl::Status& status) {
  auto payload = status.GetPayload(kPayloadUrl);
  if (!payload) return std::nullopt;
  return std::string(*payload);
}

}  // namespace webhooks
