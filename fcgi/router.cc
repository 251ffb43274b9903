#include "fcgi/router.h"

#include <string_view>

#include "fcgi/auth.h"
#include "fcgi/http_errors.h"

namespace webhooks {
namespace {

// True when `segments` fit `pattern`; placeholder values are appended to `params`.
bool Matches(std::string_view pattern, const std::vector<std::string>& segments,
             std::vector<std::string>* params) {
  std::optional<std::vector<std::string>> parts = PathSegments(pattern);
  if (!parts || parts->size() != segments.size()) return false;
  std::vector<std::string> found;
  for (size_t i = 0; i < parts->size(); ++i) {
    const std::string& p = (*parts)[i];
    if (p.size() >= 2 && p.front() == '{' && p.back() == '}') {
      found.push_back(segments[i]);
    } else if (p != segments[i]) {
      return false;
    }
  }
  *params = std::move(found);
  return true;
}

absl::StatusOr<HttpResponse> Run(Services& services, const HttpRequest& request,
                                 std::string* allow) {
  std::optional<std::vector<std::string>> segments = PathSegments(request.path);
  if (!segments) return absl::InvalidArgumentError("Malformed percent-encoding in the path");
  const Route* selected = nullptr;
  RequestContext ctx{request, {}, ""};
  for (const Route& route : RouteTable()) {
    std::vector<std::string> params;
    if (!Matches(route.pattern, *segments, &params)) continue;
    if (request.method == route.method) {
      selected = &route;
      ctx.path_params = std::move(params);
      break;
    }
    if (allow->find(route.method) == std::string::npos) {
      *allow += (allow->empty() ? "" : ", ") + std::string(route.method);
    }
  }
  if (selected == nullptr) {
    if (!allow->empty()) {
      return absl::UnimplementedError("Method " + request.method + " not allowed on this path");
    }
    return absl::NotFoundError("No endpoint at " + request.path);
  }
  if (selected->requires_auth) {
    absl::StatusOr<std::string> org = Authenticate(services.accounts, request.authorization);
    if (!org.ok()) return org.status();
    ctx.internal_id = *std::move(org);
  }
  if (request.body_too_large) {
    return absl::OutOfRangeError("Request body larger than 1 MiB");
  }
  return selected->handler(services, ctx);
}

}  // namespace

HttpResponse Dispatch(Services& services, const HttpRequest& request) {
  std::string allow;
  absl::StatusOr<HttpResponse> response = Run(services, request, &allow);
  if (response.ok()) return *std::move(response);
  HttpResponse error = ErrorResponse(response.status());
  if (error.status == 405) error.headers.emplace_back("Allow", allow);
  return error;
}

}  // namespace webhooks
