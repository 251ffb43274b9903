// The libfcgi adapter: the only code that touches FCGX_*. Turns FastCGI requests into
// HttpRequest values and HttpResponse values back into FastCGI output.
#ifndef WEBHOOKS_FCGI_FCGI_SERVER_H_
#define WEBHOOKS_FCGI_FCGI_SERVER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "fcgi/http.h"

namespace webhooks {

struct FcgiServerOptions {
  std::string socket_path;  // unix socket to create (replacing a stale one)
  int listen_fd = -1;       // or an already-listening socket (e.g. from systemd)
  unsigned socket_mode = 0660;
  int threads = 16;
  int backlog = 1024;
};

class FcgiServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // Creates (or adopts) the listening socket.
  static absl::StatusOr<std::unique_ptr<FcgiServer>> Listen(const FcgiServerOptions& options);
  ~FcgiServer();
  FcgiServer(const FcgiServer&) = delete;
  FcgiServer& operator=(const FcgiServer&) = delete;

  // Serves requests on options.threads threads until Shutdown(); returns after every request
  // already accepted has been answered. `handler` must be thread-safe and must not throw
  // (exceptions are caught and answered with 500 all the same).
  void Serve(const Handler& handler);

  // Stops accepting new connections; safe from any thread (not from a signal handler).
  void Shutdown();

 private:
  FcgiServer(int fd, std::string path, const FcgiServerOptions& options);
  void WorkerLoop(const Handler& handler);

  int listen_fd_;
  std::string owned_path_;  // unlinked on destruction when we created it
  FcgiServerOptions options_;
  std::atomic<bool> stopping_{false};
};

}  // namespace webhooks

#endif  // WEBHOOKS_FCGI_FCGI_SERVER_H_
