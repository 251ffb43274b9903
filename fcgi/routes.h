// Handler declarations (one file per resource under handlers/); the table is in routes.cc.
#ifndef WEBHOOKS_FCGI_ROUTES_H_
#define WEBHOOKS_FCGI_ROUTES_H_

#include "fcgi/router.h"

namespace webhooks::handlers {

absl::StatusOr<HttpResponse> Health(Services& s, const RequestContext& ctx);

absl::StatusOr<HttpResponse> CreateWebhook(Services& s, const RequestContext& ctx);
absl::StatusOr<HttpResponse> ListWebhooks(Services& s, const RequestContext& ctx);
absl::StatusOr<HttpResponse> ListWebhooksLegacy(Services& s, const RequestContext& ctx);
absl::StatusOr<HttpResponse> GetWebhook(Services& s, const RequestContext& ctx);
absl::StatusOr<HttpResponse> UpdateWebhook(Services& s, const RequestContext& ctx);
absl::StatusOr<HttpResponse> DeleteWebhook(Services& s, const RequestContext& ctx);
absl::StatusOr<HttpResponse> ListDeliveries(Services& s, const RequestContext& ctx);
absl::StatusOr<HttpResponse> GetDelivery(Services& s, const RequestContext& ctx);
absl::StatusOr<HttpResponse> RetryDelivery(Services& s, const RequestContext& ctx);
absl::StatusOr<HttpResponse> RecoverDeliveries(Services& s, const RequestContext& ctx);
absl::StatusOr<HttpResponse> TestWebhook(Services& s, const RequestContext& ctx);
absl::StatusOr<HttpResponse> MatchWebhook(Services& s, const RequestContext& ctx);

absl::StatusOr<HttpResponse> CreateEvent(Services& s, const RequestContext& ctx);
absl::StatusOr<HttpResponse> CreateEvents(Services& s, const RequestContext& ctx);

}  // namespace webhooks::handlers

#endif  // WEBHOOKS_FCGI_ROUTES_H_
