// The one place where a Status becomes an HTTP status and the Mixpeek error envelope
// {"success":false,"status":N,"error":{"message","type","details"}}.
//
//   InvalidArgument + field errors -> 422 ValidationError (details.validation_errors)
//   InvalidArgument                -> 400 BadRequestError
//   Unauthenticated                -> 401 UnauthorizedError
//   PermissionDenied               -> 403 ForbiddenError
//   NotFound                       -> 404 NotFoundError
//   Unimplemented                  -> 405 MethodNotAllowedError
//   AlreadyExists                  -> 409 AlreadyExistsError
//   Aborted                        -> 409 ConflictError
//   OutOfRange                     -> 413 PayloadTooLargeError
//   FailedPrecondition             -> 415 UnsupportedMediaTypeError
//   Unavailable                    -> 503 ServiceUnavailableError (with Retry-After: 5)
//   ResourceExhausted              -> 503 ServiceUnavailableError (a full disk or store; the
//                                     cause is logged, not shown to clients)
//   anything else                  -> 500 InternalServerError (message not shown to clients)
#ifndef WEBHOOKS_FCGI_HTTP_ERRORS_H_
#define WEBHOOKS_FCGI_HTTP_ERRORS_H_

#include "absl/status/status.h"
#include "fcgi/http.h"

namespace webhooks {

// REQUIRES: !status.ok().
HttpResponse ErrorResponse(const absl::Status& status);

}  // namespace webhooks

#endif  // WEBHOOKS_FCGI_HTTP_ERRORS_H_
