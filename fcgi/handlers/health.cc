#include "fcgi/routes.h"

namespace webhooks::handlers {

absl::StatusOr<HttpResponse> Health(Services& s, const RequestContext&) {
  if (absl::Status st = s.webhooks.CheckReadable(); !st.ok()) {
    return absl::UnavailableError("Store not readable: " + std::string(st.message()));
  }
  return JsonResponse(200, R"({"status":"ok"})");
}

}  // namespace webhooks::handlers
