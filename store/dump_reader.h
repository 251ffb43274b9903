// Reads a dump file line by line (POSIX getline), numbering lines from 1.
#ifndef WEBHOOKS_STORE_DUMP_READER_H_
#define WEBHOOKS_STORE_DUMP_READER_H_

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace webhooks::dump {

class LineReader {
 public:
  LineReader() = default;
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // NotFound when `path` cannot be opened.
  absl::Status Open(const std::string& path);
  // The next line without its '\n', or nullopt at the end of the file (or on a read error, see
  // status()). *complete is false when the line had no terminating '\n' (a truncated file).
  std::optional<std::string_view> Next(bool* complete);
  uint64_t line_number() const { return line_number_; }
  absl::Status status() const { return status_; }

 private:
  std::FILE* file_ = nullptr;
  char* buf_ = nullptr;
  size_t cap_ = 0;
  uint64_t line_number_ = 0;
  absl::Status status_;
};

// "line N: <message>" as InvalidArgument.
absl::Status LineError(uint64_t line, const std::string& message);

// The record total announced by the trailer of the dump at `path` (read from its last bytes),
// or 0 when it cannot be read. For progress only: never trusted otherwise.
uint64_t PeekTotalRecords(const std::string& path);

}  // namespace webhooks::dump

#endif  // WEBHOOKS_STORE_DUMP_READER_H_
