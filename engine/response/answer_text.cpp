#include "response/answer_text.hpp"

namespace mosaic::response {

void AnswerText::append_result(std::string_view text, const std::shared_ptr<const void>& keep) {
  if (text.size() < kSpliceFrom || splices_.size() >= kMaxSplices || !keep) {
    own_.append(text);
    return;
  }
  splices_.push_back({own_.size(), text});
  if (keep_.empty() || keep_.back() != keep) keep_.push_back(keep);
}

std::vector<std::string_view> AnswerText::pieces() const {
  std::vector<std::string_view> out;
  out.reserve(2 * splices_.size() + 1);
  const std::string_view own = own_;
  std::size_t from = 0;
  for (const Splice& splice : splices_) {
    if (splice.at > from) out.push_back(own.substr(from, splice.at - from));
    out.push_back(splice.text);
    from = splice.at;
  }
  if (from < own.size()) out.push_back(own.substr(from));
  return out;
}

std::size_t AnswerText::size() const {
  std::size_t total = own_.size();
  for (const Splice& splice : splices_) total += splice.text.size();
  return total;
}

std::string AnswerText::whole() const {
  std::string out;
  out.reserve(size());
  for (std::string_view piece : pieces()) out.append(piece);
  return out;
}

}  // namespace mosaic::response
