// populate: fills an organization with webhooks for bench/run, through the same store call the
// API's create uses (LmdbStore::CreateWebhook). Many threads create concurrently, so the store's
// group commit batches them into few durable commits.
//
//   populate --data-dir DIR --org INTERNAL_ID --count N [--threads T (default 32)]
//            [--map-size-mb M (default 64)]
//
// stdout: the webhook_id of the first webhook created (alone on its line), for GET tests.
// stderr: progress, then the count and the elapsed time.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "common/ids.h"
#include "common/time_format.h"
#include "model/webhook.h"
#include "store/lmdb_store.h"

namespace {

void Usage() {
  std::fprintf(stderr,
               "usage: populate --data-dir DIR --org INTERNAL_ID --count N [--threads T] "
               "[--map-size-mb M]\n");
}

webhooks::Webhook MakeWebhook(const std::string& org, uint64_t n, const std::string& now) {
  webhooks::Webhook w;
  w.internal_id = org;
  w.spec.webhook_name = "bench webhook " + std::to_string(n);
  w.spec.description = "Created by bench/populate";
  w.spec.event_types = {"*"};
  webhooks::HttpChannel http;
  http.url = "https://hooks.example.com/bench/" + std::to_string(n);
  http.headers = {{"X-Bench", "populate"}};
  w.spec.channels.emplace_back(std::move(http));
  w.spec.is_active = true;
  w.created_at = w.updated_at = now;
  return w;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir, org;
  long long count = -1;
  int threads = 32;
  size_t map_size_mb = 64;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      Usage();
      return 0;
    }
    if (i + 1 >= argc) {
      Usage();
      return 2;
    }
    std::string v = argv[++i];
    if (a == "--data-dir") {
      data_dir = v;
    } else if (a == "--org") {
      org = v;
    } else if (a == "--count") {
      count = std::atoll(v.c_str());
    } else if (a == "--threads") {
      threads = std::atoi(v.c_str());
    } else if (a == "--map-size-mb") {
      map_size_mb = static_cast<size_t>(std::atoll(v.c_str()));
    } else {
      Usage();
      return 2;
    }
  }
  if (data_dir.empty() || org.empty() || count < 1 || threads < 1 || threads > 4096 ||
      map_size_mb < 1) {
    Usage();
    return 2;
  }

  webhooks::LmdbOptions options;
  options.initial_map_size = map_size_mb << 20;
  auto store = webhooks::LmdbStore::Open(data_dir, options);
  if (!store.ok()) {
    std::fprintf(stderr, "populate: cannot open %s: %s\n", data_dir.c_str(),
                 store.status().ToString().c_str());
    return 1;
  }
  webhooks::LmdbStore& db = **store;
  if (auto o = db.GetOrganization(org); !o.ok()) {
    std::fprintf(stderr, "populate: organization %s: %s\n", org.c_str(),
                 o.status().ToString().c_str());
    return 1;
  }

  const std::string now = webhooks::FormatTimestamp(std::chrono::system_clock::now());
  std::atomic<long long> next{0};
  std::atomic<long long> created{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::string first_id;
  std::string first_error;

  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  auto worker = [&] {
    for (;;) {
      if (failed.load(std::memory_order_relaxed)) return;
      const long long n = next.fetch_add(1);
      if (n >= count) return;
      webhooks::Webhook w = MakeWebhook(org, static_cast<uint64_t>(n), now);
      absl::Status st;
      for (int attempt = 0; attempt < 3; ++attempt) {  // a webhook_id collision is retried
        w.webhook_id = webhooks::NewWebhookId();
        st = db.CreateWebhook(&w);
        if (!absl::IsAlreadyExists(st)) break;
      }
      if (!st.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (first_error.empty()) first_error = st.ToString();
        failed.store(true);
        return;
      }
      if (n == 0) {
        std::lock_guard<std::mutex> lock(mu);
        first_id = w.webhook_id;
      }
      created.fetch_add(1, std::memory_order_relaxed);
    }
  };

  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(threads));
  for (int i = 0; i < threads; ++i) pool.emplace_back(worker);

  // Progress every 5 s on long runs.
  std::atomic<bool> done{false};
  std::thread progress([&] {
    Clock::time_point last = Clock::now();
    while (!done.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (Clock::now() - last >= std::chrono::seconds(5)) {
        last = Clock::now();
        const double s = std::chrono::duration<double>(last - start).count();
        const long long c = created.load();
        std::fprintf(stderr, "populate: %lld / %lld created (%.0f s, %.0f/s)\n", c, count, s,
                     c / s);
      }
    }
  });
  for (std::thread& t : pool) t.join();
  done.store(true);
  progress.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  if (failed.load()) {
    std::fprintf(stderr, "populate: CreateWebhook failed after %lld: %s\n", created.load(),
                 first_error.c_str());
    return 1;
  }
  std::fprintf(stderr,
               "populate: created %lld webhooks for %s in %.2f s (%.0f/s, %d threads); "
               "map size %zu MiB\n",
               created.load(), org.c_str(), elapsed, created.load() / elapsed, threads,
               db.env().map_size() >> 20);
  std::printf("%s\n", first_id.c_str());
  return 0;
}
