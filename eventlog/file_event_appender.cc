// The file event log's writing side: FileEventAppender, group commit over a SegmentWriter.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/leader_queue.h"
#include "eventlog/file_event_log.h"
#include "eventlog/segment_format.h"
#include "eventlog/segment_writer.h"

namespace webhooks {
namespace {

// A leader takes queued appends up to these limits into one write, always the first caller's
// whole list (an AppendAll may exceed them alone).
constexpr size_t kMaxBatchRecords = 1024;
constexpr size_t kMaxBatchBytes = size_t{8} << 20;

// Group commit (common/leader_queue.h): the appender at the front of the queue writes every
// queued record with one write + fdatasync, and hands the others their positions.
class FileEventAppender final : public EventAppender {
 public:
  explicit FileEventAppender(std::unique_ptr<segment::SegmentWriter> writer)
      : writer_(std::move(writer)) {}

  absl::StatusOr<uint64_t> Append(std::string_view payload) override;
  absl::Status AppendAll(const std::vector<std::string>& payloads) override;
  absl::Status Health() const override { return writer_->Broken(); }

 private:
  // One caller's records: one (Append) or several (AppendAll), written next to each other.
  struct Waiter {
    std::vector<std::string_view> payloads;
    size_t bytes = 0;
    absl::StatusOr<uint64_t> result = absl::UnknownError("not appended");  // the first's position
  };

  // Queues `w` and returns once a batch holding it was written (w.result is set).
  void Submit(Waiter& w);
  // Sets every member's result. REQUIRES: the caller is the leader.
  void CommitBatch(const std::vector<Waiter*>& batch);

  std::unique_ptr<segment::SegmentWriter> writer_;  // used by the leader only
  LeaderQueue<Waiter> queue_;
};

absl::StatusOr<uint64_t> FileEventAppender::Append(std::string_view payload) {
  if (absl::Status st = CheckEventRecord(payload); !st.ok()) return st;
  Waiter self{{payload}, payload.size()};
  Submit(self);
  return self.result;
}

absl::Status FileEventAppender::AppendAll(const std::vector<std::string>& payloads) {
  if (payloads.empty()) return absl::InvalidArgumentError("no event records");
  Waiter self;
  for (const std::string& p : payloads) {
    if (absl::Status st = CheckEventRecord(p); !st.ok()) return st;
    self.payloads.push_back(p);
    self.bytes += p.size();
  }
  Submit(self);
  return self.result.status();
}

void FileEventAppender::Submit(Waiter& self) {
  size_t records = 0, bytes = 0;  // of the batch being formed (take() sees it in queue order)
  queue_.Submit(
      self,
      [&](const std::vector<Waiter*>& batch, const Waiter& next) {
        if (batch.size() == 1) {
          records = batch.front()->payloads.size();
          bytes = batch.front()->bytes;
        }
        if (records + next.payloads.size() > kMaxBatchRecords ||
            bytes + next.bytes > kMaxBatchBytes) {
          return false;
        }
        records += next.payloads.size();
        bytes += next.bytes;
        return true;
      },
      [this](std::vector<Waiter*>& batch) { CommitBatch(batch); });
}

void FileEventAppender::CommitBatch(const std::vector<Waiter*>& batch) {
  std::string records;
  std::vector<uint64_t> offsets;
  offsets.reserve(batch.size());
  for (const Waiter* w : batch) {
    offsets.push_back(records.size());
    for (std::string_view p : w->payloads) segment::EncodeRecord(p, &records);
  }
  const absl::StatusOr<uint64_t> first = writer_->Write(records);
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i]->result = first.ok() ? absl::StatusOr<uint64_t>(*first + offsets[i]) : first;
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<EventAppender>> OpenFileEventAppender(
    const std::string& dir, const EventLogOptions& options) {
  absl::StatusOr<std::unique_ptr<segment::SegmentWriter>> writer =
      segment::SegmentWriter::Open(dir, options.segment_bytes);
  if (!writer.ok()) return writer.status();
  return std::make_unique<FileEventAppender>(*std::move(writer));
}

absl::Status PrepareFileEventLog(const std::string& dir, const EventLogOptions& options) {
  absl::StatusOr<std::unique_ptr<segment::SegmentWriter>> writer =
      segment::SegmentWriter::Open(dir, options.segment_bytes);
  if (!writer.ok()) return writer.status();
  return (*writer)->Prepare();
}

}  // namespace webhooks
