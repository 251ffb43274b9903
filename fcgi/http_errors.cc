#include "fcgi/http_errors.h"

#include <cstdio>

#include "model/json_input.h"
#include "model/validation.h"

namespace webhooks {
namespace {

// Retry-After of a 503 (seconds).
constexpr char kRetryAfterSeconds[] = "5";

struct Mapping {
  int status;
  const char* type;
};

Mapping MapStatus(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return FieldErrorsJson(status) ? Mapping{422, "ValidationError"}
                                     : Mapping{400, "BadRequestError"};
    case absl::StatusCode::kUnauthenticated:
      return {401, "UnauthorizedError"};
    case absl::StatusCode::kPermissionDenied:
      return {403, "ForbiddenError"};
    case absl::StatusCode::kNotFound:
      return {404, "NotFoundError"};
    case absl::StatusCode::kUnimplemented:
      return {405, "MethodNotAllowedError"};
    case absl::StatusCode::kAlreadyExists:
      return {409, "AlreadyExistsError"};
    case absl::StatusCode::kAborted:
      return {409, "ConflictError"};
    case absl::StatusCode::kOutOfRange:
      return {413, "PayloadTooLargeError"};
    case absl::StatusCode::kFailedPrecondition:
      return {415, "UnsupportedMediaTypeError"};
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kResourceExhausted:
      return {503, "ServiceUnavailableError"};
    default:
      return {500, "InternalServerError"};
  }
}

}  // namespace

HttpResponse ErrorResponse(const absl::Status& status) {
  Mapping m = MapStatus(status);
  std::string message(status.message());
  if (m.status == 500 || absl::IsResourceExhausted(status)) {
    // The cause (a path, a file system's error) is for operators, not clients.
    std::fprintf(stderr, "level=error msg=\"%s\" status=\"%s\"\n",
                 m.status == 500 ? "internal error" : "out of resources",
                 status.ToString().c_str());
    message = m.status == 500 ? "Internal server error"
                              : "Temporarily out of resources (such as disk space); retry later";
  }
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("success");
  w.Bool(false);
  w.Key("status");
  w.Int(m.status);
  w.Key("error");
  w.StartObject();
  w.Key("message");
  w.String(message);
  w.Key("type");
  w.String(m.type);
  w.Key("details");
  if (std::optional<std::string> errors = FieldErrorsJson(status)) {
    w.StartObject();
    w.Key("validation_errors");
    w.RawValue(errors->data(), errors->size(), rapidjson::kArrayType);
    w.EndObject();
  } else {
    w.Null();
  }
  w.EndObject();
  w.EndObject();
  HttpResponse response = JsonResponse(m.status, std::string(buf.GetString(), buf.GetSize()));
  // A 503 is temporary: clients that honour Retry-After wait a little before the next try.
  if (m.status == 503) response.headers.emplace_back("Retry-After", kRetryAfterSeconds);
  return response;
}

}  // namespace webhooks
