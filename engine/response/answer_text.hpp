#pragma once
// A page's JSON answer as it is sent: text written for this answer, with large step results
// spliced in where they lie instead of copied. A 1 MB result placed whole in the answer costs a
// 1 MB copy (and the first touch of a fresh 1 MB buffer) when appended; spliced, it goes from the
// step's own buffer to the socket in the same gather write as the text around it.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mosaic::response {

class AnswerText {
 public:
  // Results at least this large are spliced; smaller ones are cheaper to copy than to send as a
  // piece of their own.
  static constexpr std::size_t kSpliceFrom = 16 * 1024;
  // At most this many splices an answer (each adds pieces to the gather write); the large
  // results of a page beyond them are copied.
  static constexpr std::size_t kMaxSplices = 64;

  // The text written for the answer so far; what is appended goes after the last splice.
  std::string& own() { return own_; }
  const std::string& own() const { return own_; }

  // Appends `text`: spliced when large and `keep` is given (the text must stay alive and
  // unchanged as long as `keep` does: this answer holds `keep`), copied otherwise.
  void append_result(std::string_view text, const std::shared_ptr<const void>& keep);

  // The answer's pieces in order, for one gather write; empty pieces left out.
  std::vector<std::string_view> pieces() const;
  std::size_t size() const;
  bool empty() const { return size() == 0; }
  std::string whole() const;  // the answer in one string (tests, tools)
  std::size_t splices() const { return splices_.size(); }

 private:
  struct Splice {
    std::size_t at;  // offset in own_ where the text goes
    std::string_view text;
  };
  std::string own_;
  std::vector<Splice> splices_;
  std::vector<std::shared_ptr<const void>> keep_;  // what holds the spliced texts
};

}  // namespace mosaic::response
