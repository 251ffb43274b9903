// transport_cost: what the notifier's send path costs per request, without the queue. Builds
// signed webhook requests the way the dispatcher does (BuildRequest, the SSRF guard with
// --allow-cidr 127.0.0.0/8) and sends them through the notifier's CurlTransport, C in flight,
// to the same receiver as curl_multi_ceiling. Prints requests/s and the process's CPU time per
// request, to compare with the ceiling's.
//
//   transport_cost --url http://127.0.0.1:PORT/hook [--count N] [--concurrency C] [--no-build]
//     --no-build  build one request up front and send copies of it (transport cost only)
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

#include "notifier/channel_format.h"
#include "notifier/ssrf_guard.h"
#include "notifier/transport.h"
#include "notifier/url_guard.h"

namespace {

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  std::string url;
  long count = 20000, concurrency = 64;
  bool build_each = true;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--no-build") {
      build_each = false;
    } else if (i + 1 < argc && flag == "--url") {
      url = argv[++i];
    } else if (i + 1 < argc && flag == "--count") {
      count = std::atol(argv[++i]);
    } else if (i + 1 < argc && flag == "--concurrency") {
      concurrency = std::atol(argv[++i]);
    } else {
      std::fprintf(stderr, "transport_cost: unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  if (url.empty() || count <= 0 || concurrency <= 0) {
    std::fprintf(stderr, "usage: transport_cost --url URL [--count N] [--concurrency C]\n");
    return 2;
  }
  webhooks::HttpChannel channel;
  channel.url = url;
  channel.signing_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const std::string envelope =
      R"({"event_id":"evt_0123456789abcdef","event_type":"object.created",)"
      R"("occurred_at":"2026-01-01T00:00:00Z","namespace_id":null,"subject":null,)"
      R"("metadata":{"source":"bench","note":"transport_cost body of about 300 bytes"},)"
      R"("cache_scope":null})";
  std::vector<webhooks::Cidr> allow = {*webhooks::Cidr::Parse("127.0.0.0/8")};
  webhooks::ChannelEndpoints endpoints;
  auto build = [&](long n) -> std::pair<webhooks::Outbound, std::string> {
    webhooks::DeliveryContext ctx{"msg_" + std::to_string(n), envelope, 1767225600, 0};
    webhooks::Outbound out = *webhooks::BuildRequest(channel, ctx, endpoints);
    return {std::move(out), *webhooks::ResolveGuardedUrl(url, allow)};
  };
  const auto prebuilt = build(0);

  std::unique_ptr<webhooks::Transport> transport = webhooks::NewCurlTransport();
  std::mutex mu;
  std::condition_variable cv;
  long in_flight = 0, done = 0, failed = 0;
  const double cpu0 = CpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  for (long sent = 0; sent < count; ++sent) {
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return in_flight < concurrency; });
      ++in_flight;
    }
    auto request = build_each ? build(sent) : prebuilt;
    transport->Submit(std::move(request.first), std::move(request.second),
                      [&](webhooks::TransportResult r) {
                        std::lock_guard<std::mutex> lock(mu);
                        --in_flight;
                        ++done;
                        if (r.status_code != 200) ++failed;
                        cv.notify_one();
                      });
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done == count; });
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = CpuSeconds() - cpu0;
  std::printf("requests %ld\nfailed %ld\nrequests_per_sec %.0f\ncpu_us_per_request %.1f\n", count,
              failed, count / secs, cpu * 1e6 / count);
  transport->Drain(std::chrono::milliseconds(1000));
  return failed == 0 ? 0 : 1;
}
