#include "template/value_template.hpp"

#include <algorithm>
#include <charconv>

#include "config/yaml_json.hpp"
#include "mosaic/json_text.hpp"
#include "template/encoding.hpp"
#include "template/json_span.hpp"

namespace mosaic::tmpl {

namespace {

using config::Diagnostics;
using config::SourceLocation;
using Node = ValueTemplate::Node;
using Piece = ValueTemplate::Piece;

bool valid_part(std::string_view part) {
  if (part.empty()) return false;
  return std::all_of(part.begin(), part.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

std::vector<std::string_view> split_dots(std::string_view expr) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = expr.find('.', start);
    parts.push_back(
        expr.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts;
}

PathPart make_part(std::string_view text) {
  PathPart part{std::string(text), std::nullopt};
  std::size_t index = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), index);
  if (ec == std::errc() && end == text.data() + text.size()) part.index = index;
  return part;
}

class Compiler {
 public:
  Compiler(const CompileEnv& env, Diagnostics& diagnostics)
      : env_(env), diagnostics_(diagnostics) {}

  std::optional<Node> node(const YAML::Node& yaml, std::vector<std::string>& path) {
    if (!yaml.IsDefined() || yaml.IsNull()) return Node{};
    const SourceLocation where = SourceLocation::of(env_.file, yaml);
    if (yaml.IsScalar()) return scalar(yaml, path, where);
    Node out;
    bool ok = true;
    if (yaml.IsSequence()) {
      out.kind = Node::Kind::kArray;
      std::size_t i = 0;
      for (const auto& item : yaml) {
        path.push_back(std::to_string(i++));
        auto child = node(item, path);
        path.pop_back();
        if (child)
          out.items.push_back(std::move(*child));
        else
          ok = false;
      }
    } else if (yaml.IsMap()) {
      out.kind = Node::Kind::kObject;
      for (const auto& kv : yaml) {
        path.push_back(kv.first.Scalar());
        auto child = node(kv.second, path);
        path.pop_back();
        if (child)
          out.members.push_back({kv.first.Scalar(), std::move(*child)});
        else
          ok = false;
      }
    }
    if (!ok) return std::nullopt;
    fold(out);
    return out;
  }

  std::optional<Node> string(const std::string& text, bool plain, Interpolation encoding,
                             const SourceLocation& where, std::size_t col_offset) {
    std::vector<Piece> pieces;
    std::string literal;
    bool ok = true;
    for (std::size_t i = 0; i < text.size();) {
      if (text.compare(i, 3, "$${") == 0) {
        literal += "${";
        i += 3;
        continue;
      }
      if (text.compare(i, 2, "${") != 0) {
        literal += text[i++];
        continue;
      }
      std::size_t close = text.find('}', i + 2);
      SourceLocation at = locate(where, col_offset, text, i, close);
      if (close == std::string::npos) {
        diagnostics_.error(at, "unterminated '${' in template");
        return std::nullopt;
      }
      auto ref = reference(std::string_view(text).substr(i + 2, close - i - 2), at);
      if (!ref) {
        ok = false;
      } else {
        if (!literal.empty()) pieces.push_back({std::exchange(literal, {}), std::nullopt});
        pieces.push_back({{}, std::move(*ref)});
      }
      i = close + 1;
    }
    if (!ok) return std::nullopt;
    if (!literal.empty()) pieces.push_back({std::move(literal), std::nullopt});

    Node out;
    out.encoding = encoding;
    if (pieces.empty()) {
      out.constant = plain ? Json(nullptr) : Json(json::string());
    } else if (pieces.size() == 1 && pieces[0].ref) {
      out.kind = Node::Kind::kWholeRef;
      out.ref = std::move(pieces[0].ref);
    } else if (pieces.size() == 1) {
      out.constant = json::string(pieces[0].literal);
    } else {
      out.kind = Node::Kind::kInterpolated;
      out.pieces = std::move(pieces);
    }
    return out;
  }

  std::vector<std::size_t> take_step_refs() {
    std::sort(step_refs_.begin(), step_refs_.end());
    step_refs_.erase(std::unique(step_refs_.begin(), step_refs_.end()), step_refs_.end());
    return std::move(step_refs_);
  }

 private:
  std::optional<Node> scalar(const YAML::Node& yaml, const std::vector<std::string>& path,
                             const SourceLocation& where) {
    const std::string& text = yaml.Scalar();
    const bool plain = yaml.Tag() == "?";
    if (text.find("${") == std::string::npos) {
      Node out;
      out.constant = config::scalar_to_json(yaml);
      return out;
    }
    Interpolation encoding =
        env_.interpolation_for ? env_.interpolation_for(path) : Interpolation::kRaw;
    // A quoted scalar's text starts one column after its mark.
    return string(text, plain, encoding, where, plain ? 0 : 1);
  }

  // Where the `${` at text[i] stands in the file. With the source, the expression's own text is
  // searched for from the scalar's position (identifiers are never escaped, so it appears
  // verbatim); the k-th identical expression of this scalar is the k-th match.
  SourceLocation locate(const SourceLocation& where, std::size_t col_offset,
                        const std::string& text, std::size_t i, std::size_t close) const {
    SourceLocation at = where;
    if (at.line <= 0) return at;
    const std::string needle =
        close == std::string::npos ? text.substr(i) : text.substr(i, close - i + 1);
    if (env_.source && !needle.empty()) {
      const std::string& src = *env_.source;
      std::size_t offset = 0;
      for (int line = 1; line < where.line && offset != std::string::npos; ++line) {
        offset = src.find('\n', offset);
        if (offset != std::string::npos) ++offset;
      }
      if (offset != std::string::npos) {
        offset += static_cast<std::size_t>(where.col - 1);
        std::size_t earlier = 0;
        for (std::size_t p = text.find(needle); p != std::string::npos && p < i;
             p = text.find(needle, p + 1))
          ++earlier;
        std::size_t found = src.find(needle, offset);
        while (found != std::string::npos && earlier-- > 0) found = src.find(needle, found + 1);
        if (found != std::string::npos) {
          const std::size_t line_start = src.rfind('\n', found == 0 ? 0 : found - 1);
          const std::size_t begin =
              line_start == std::string::npos || found == 0 ? 0 : line_start + 1;
          at.line = 1 + static_cast<int>(std::count(
                            src.begin(), src.begin() + static_cast<std::ptrdiff_t>(begin), '\n'));
          at.col = 1 + static_cast<int>(found - begin);
          return at;
        }
      }
    }
    at.col += static_cast<int>(col_offset + i);
    return at;
  }

  std::optional<Reference> reference(std::string_view expr, const SourceLocation& at) {
    auto parts = split_dots(expr);
    for (auto part : parts) {
      if (!valid_part(part)) {
        diagnostics_.error(at, "malformed expression '${" + std::string(expr) + "}'");
        return std::nullopt;
      }
    }
    Reference ref;
    const std::string_view root = parts[0];
    auto need_exactly_one_name = [&](const char* what) {
      if (parts.size() == 2) return true;
      diagnostics_.error(at, std::string("'${") + std::string(expr) + "}': " + what +
                                 " takes exactly one name, as in ${" + std::string(root) +
                                 ".name}");
      return false;
    };
    if (root == "params") {
      ref.root = Root::kParams;
      if (!need_exactly_one_name("params")) return std::nullopt;
      auto it = std::find(env_.param_names.begin(), env_.param_names.end(), parts[1]);
      if (it == env_.param_names.end()) {
        diagnostics_.error(at, "unknown path parameter '" + std::string(parts[1]) +
                                   "' (the endpoint declares " + list(env_.param_names) + ")");
        return std::nullopt;
      }
      ref.slot = static_cast<std::size_t>(it - env_.param_names.begin());
      ref.name = std::string(parts[1]);
    } else if (root == "query" || root == "headers") {
      ref.root = root == "query" ? Root::kQuery : Root::kHeaders;
      if (!need_exactly_one_name(root == "query" ? "query" : "headers")) return std::nullopt;
      ref.name = std::string(parts[1]);
      if (ref.root == Root::kHeaders) {
        std::transform(ref.name.begin(), ref.name.end(), ref.name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      }
    } else if (root == "body") {
      ref.root = Root::kBody;
      for (std::size_t i = 1; i < parts.size(); ++i) ref.path.push_back(make_part(parts[i]));
    } else if (root == "steps") {
      ref.root = Root::kSteps;
      if (parts.size() < 2) {
        diagnostics_.error(at, "'${steps}' needs a step name, as in ${steps.profile}");
        return std::nullopt;
      }
      CompileEnv::StepLookup lookup =
          env_.step_index ? env_.step_index(parts[1]) : CompileEnv::StepLookup{};
      if (!lookup.index) {
        diagnostics_.error(at, lookup.error.empty() ? "unknown step '" + std::string(parts[1]) + "'"
                                                    : lookup.error);
        return std::nullopt;
      }
      ref.slot = *lookup.index;
      ref.name = std::string(parts[1]);
      step_refs_.push_back(*lookup.index);
      for (std::size_t i = 2; i < parts.size(); ++i) ref.path.push_back(make_part(parts[i]));
    } else {
      diagnostics_.error(at, "unknown root '" + std::string(root) + "' in '${" + std::string(expr) +
                                 "}' (expected params, query, headers, body or steps)");
      return std::nullopt;
    }
    return ref;
  }

  static std::string list(std::span<const std::string> names) {
    if (names.empty()) return "none";
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  }

  // An object or array with only constant children is one constant.
  static void fold(Node& node) {
    if (node.kind == Node::Kind::kObject) {
      for (const auto& [key, child] : node.members) {
        if (child.kind != Node::Kind::kConstant) return;
      }
      json::object obj;
      for (auto& [key, child] : node.members) obj[key] = std::move(child.constant);
      node.members.clear();
      node.kind = Node::Kind::kConstant;
      node.constant = std::move(obj);
    } else if (node.kind == Node::Kind::kArray) {
      for (const auto& child : node.items) {
        if (child.kind != Node::Kind::kConstant) return;
      }
      json::array arr;
      for (auto& child : node.items) arr.push_back(std::move(child.constant));
      node.items.clear();
      node.kind = Node::Kind::kConstant;
      node.constant = std::move(arr);
    }
  }

  const CompileEnv& env_;
  Diagnostics& diagnostics_;
  std::vector<std::size_t> step_refs_;
};

void append_text(std::string& out, const Json* value) {
  if (!value || value->is_null()) return;
  if (const auto* s = value->if_string()) {
    out.append(s->data(), s->size());
  } else {
    append_json(out, *value);
  }
}

std::string encode(std::string text, Interpolation encoding) {
  switch (encoding) {
    case Interpolation::kRaw:
      return text;
    case Interpolation::kPathSegment:
      // Encoding alone cannot stop a downstream that decodes before it resolves dot segments
      // (nginx does): a value that would climb is refused outright.
      if (has_dot_segment(text))
        throw RenderError("a path value may not contain a '.' or '..' segment");
      return encode_path_segment(text);
    case Interpolation::kQueryValue:
      return text;  // the plugin encodes the whole query value
    case Interpolation::kHeaderValue:
      if (!is_safe_header_value(text))
        throw RenderError("a header value may not contain control characters");
      return text;
  }
  return text;
}

// A whole reference under a header or path encoding is text, not the value itself.
bool whole_ref_is_text(const Node& node) {
  return node.encoding == Interpolation::kHeaderValue ||
         node.encoding == Interpolation::kPathSegment;
}

// A reference that write() copies from a result kept as text with no scan at all: the whole
// value, as JSON.
bool is_plain_whole(const Node& node) {
  return node.kind == Node::Kind::kWholeRef && node.ref->root == Root::kSteps &&
         node.ref->path.empty() && !whole_ref_is_text(node);
}

void collect_step_reads(const Node& node, bool written, std::vector<std::size_t>& out) {
  switch (node.kind) {
    case Node::Kind::kConstant:
      return;
    case Node::Kind::kWholeRef:
      if (node.ref->root == Root::kSteps && !(written && is_plain_whole(node)))
        out.push_back(node.ref->slot);
      return;
    case Node::Kind::kInterpolated:
      for (const auto& piece : node.pieces)
        if (piece.ref && piece.ref->root == Root::kSteps) out.push_back(piece.ref->slot);
      return;
    case Node::Kind::kObject:
      for (const auto& member : node.members) collect_step_reads(member.value, written, out);
      return;
    case Node::Kind::kArray:
      for (const auto& item : node.items) collect_step_reads(item, written, out);
      return;
  }
}

// The value at `ref` in a step result kept as text, as JSON text; nullopt when absent.
std::optional<std::string_view> step_text_at(const Reference& ref, const RenderScope& scope) {
  const std::string_view text = scope.step_text(ref.slot);
  if (text.empty()) return std::nullopt;
  return find_json_path(text, ref.path);
}

std::string whole_ref_text(const Node& node, const Json* value) {
  std::string text;
  append_text(text, value);
  return encode(std::move(text), node.encoding);
}

std::string interpolate(const Node& node, const RenderScope& scope) {
  std::string out;
  for (const auto& piece : node.pieces) {
    if (!piece.ref) {
      out += piece.literal;
      continue;
    }
    Json scratch;
    std::string text;
    append_text(text, piece.ref->resolve(scope, scratch));
    out += encode(std::move(text), node.encoding);
  }
  if (node.encoding == Interpolation::kHeaderValue && !is_safe_header_value(out)) {
    throw RenderError("a header value may not contain control characters");
  }
  return out;
}

Json render_node(const Node& node, const RenderScope& scope) {
  switch (node.kind) {
    case Node::Kind::kConstant:
      return node.constant;
    case Node::Kind::kWholeRef: {
      Json scratch;
      const Json* value = node.ref->resolve(scope, scratch);
      if (!value) return nullptr;
      if (whole_ref_is_text(node)) return json::string(whole_ref_text(node, value));
      return *value;
    }
    case Node::Kind::kInterpolated:
      return json::string(interpolate(node, scope));
    case Node::Kind::kObject: {
      json::object obj;
      obj.reserve(node.members.size());
      for (const auto& [key, child] : node.members) obj.emplace(key, render_node(child, scope));
      return obj;
    }
    case Node::Kind::kArray: {
      json::array arr;
      arr.reserve(node.items.size());
      for (const auto& child : node.items) arr.push_back(render_node(child, scope));
      return arr;
    }
  }
  return nullptr;
}

void write_node(const Node& node, const RenderScope& scope, std::string& out);

std::size_t write_members_of(const Node& node, const RenderScope& scope, std::string& out,
                             std::string_view skip) {
  std::size_t written = 0;
  for (const auto& [key, child] : node.members) {
    if (key == skip) continue;
    if (written++ > 0) out.push_back(',');
    append_json_string(out, key);
    out.push_back(':');
    write_node(child, scope, out);
  }
  return written;
}

void write_node(const Node& node, const RenderScope& scope, std::string& out) {
  switch (node.kind) {
    case Node::Kind::kConstant:
      append_json(out, node.constant);
      return;
    case Node::Kind::kWholeRef: {
      if (node.ref->root == Root::kSteps && !whole_ref_is_text(node) &&
          !scope.step_text(node.ref->slot).empty()) {
        // A result kept as the downstream's JSON text: the value (or the part of it the path
        // names) is copied from the text.
        const auto text = step_text_at(*node.ref, scope);
        out.append(text ? *text : std::string_view("null"));
        return;
      }
      Json scratch;
      const Json* value = node.ref->resolve(scope, scratch);
      if (!value) {
        out.append("null");
      } else if (whole_ref_is_text(node)) {
        append_json_string(out, whole_ref_text(node, value));
      } else {
        append_json(out, *value);
      }
      return;
    }
    case Node::Kind::kInterpolated:
      append_json_string(out, interpolate(node, scope));
      return;
    case Node::Kind::kObject:
      out.push_back('{');
      write_members_of(node, scope, out, {});
      out.push_back('}');
      return;
    case Node::Kind::kArray: {
      out.push_back('[');
      bool first = true;
      for (const auto& child : node.items) {
        if (!first) out.push_back(',');
        first = false;
        write_node(child, scope, out);
      }
      out.push_back(']');
      return;
    }
  }
}

}  // namespace

std::optional<ValueTemplate> ValueTemplate::compile(const YAML::Node& node, const CompileEnv& env,
                                                    Diagnostics& diagnostics) {
  Compiler compiler(env, diagnostics);
  std::vector<std::string> path;
  auto root = compiler.node(node, path);
  if (!root) return std::nullopt;
  ValueTemplate out;
  out.root_ = std::move(*root);
  out.step_refs_ = compiler.take_step_refs();
  return out;
}

std::optional<ValueTemplate> ValueTemplate::compile_string(const std::string& text,
                                                           const CompileEnv& env,
                                                           Diagnostics& diagnostics,
                                                           SourceLocation where) {
  Compiler compiler(env, diagnostics);
  std::vector<std::string> path;
  Interpolation encoding =
      env.interpolation_for ? env.interpolation_for(path) : Interpolation::kRaw;
  auto root = compiler.string(text, false, encoding, where, 0);
  if (!root) return std::nullopt;
  ValueTemplate out;
  out.root_ = std::move(*root);
  out.step_refs_ = compiler.take_step_refs();
  return out;
}

Json ValueTemplate::render(const RenderScope& scope) const {
  return render_node(root_, scope);
}

void ValueTemplate::write(const RenderScope& scope, std::string& out) const {
  write_node(root_, scope, out);
}

std::optional<std::size_t> ValueTemplate::write_members(const RenderScope& scope, std::string& out,
                                                        std::string_view skip) const {
  if (root_.kind != Node::Kind::kObject) return std::nullopt;
  return write_members_of(root_, scope, out, skip);
}

std::vector<std::size_t> ValueTemplate::step_reads(bool written) const {
  std::vector<std::size_t> out;
  collect_step_reads(root_, written, out);
  return out;
}

bool ValueTemplate::is_constant() const {
  return root_.kind == Node::Kind::kConstant;
}

}  // namespace mosaic::tmpl
