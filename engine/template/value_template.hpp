#pragma once
// A YAML tree (a step's `with:` or a pipeline's `response:`) compiled once at load into a tree
// that renders to JSON per request without parsing anything.
//
// Strings: "${expr}" alone inserts the referenced JSON value (null when absent); other strings
// interpolate the values' text; "$${" writes a literal "${". Expressions:
//   params.NAME | query.NAME | headers.NAME | body[.path] | steps.STEP[.path]
// where a path is dotted keys or array indexes (steps.orders.items.0.id).
#include <yaml-cpp/yaml.h>

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/source_location.hpp"
#include "mosaic/downstream.hpp"
#include "mosaic/json.hpp"
#include "template/reference.hpp"
#include "template/render_scope.hpp"

namespace mosaic::tmpl {

// Rendering refused a value (a header value with CR/LF): the step fails with reason bad_input.
class RenderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CompileEnv {
  std::string file;
  // The file's text, when known: an error inside a scalar is then located exactly, whatever
  // escapes, quoting or block style came before it. Without it, columns are counted in the text.
  std::shared_ptr<const std::string> source;
  std::span<const std::string> param_names;  // the route's parameters, in order
  // Step name -> index. An empty `error` with no index reports "unknown step"; a non-empty one is
  // reported as is (e.g. a reference to a background step).
  struct StepLookup {
    std::optional<std::size_t> index;
    std::string error;
  };
  std::function<StepLookup(std::string_view)> step_index;
  // The encoding for strings at a path under the tree's root (e.g. {"path"}).
  std::function<Interpolation(std::span<const std::string>)> interpolation_for;
};

class ValueTemplate {
 public:
  // Compiles `node` (which may be undefined/null: renders to null). Returns nullopt and adds
  // diagnostics with file:line:col on any error.
  static std::optional<ValueTemplate> compile(const YAML::Node& node, const CompileEnv& env,
                                              config::Diagnostics& diagnostics);
  // Compiles one string (used for tests and for single values).
  static std::optional<ValueTemplate> compile_string(const std::string& text, const CompileEnv& env,
                                                     config::Diagnostics& diagnostics,
                                                     config::SourceLocation where = {});

  Json render(const RenderScope& scope) const;  // throws RenderError
  // The same value as JSON text appended to `out`, without building it: a reference to a whole
  // step result is written from the result itself, not copied (a response made of large step
  // results costs one pass over them). Throws RenderError; `out` is then partly written.
  void write(const RenderScope& scope, std::string& out) const;
  // When the root is an object: appends its members as `"key":value` separated by commas (no
  // braces), leaving out a member named `skip`; returns how many were written. nullopt (nothing
  // written) when the root is not an object.
  std::optional<std::size_t> write_members(const RenderScope& scope, std::string& out,
                                           std::string_view skip) const;

  bool is_constant() const;
  // Indexes of every step referenced anywhere in the tree, sorted, unique.
  const std::vector<std::size_t>& step_refs() const { return step_refs_; }
  // One entry per place that reads a step's value (duplicates kept): a path below it, its text in
  // a string or an encoding, or, when the template is `written` (write(), the response), not
  // rendered (render(), a `with:`), any reference but a plain whole one, which write() copies.
  std::vector<std::size_t> step_reads(bool written) const;

  struct Piece {
    std::string literal;  // used when !ref
    std::optional<Reference> ref;
  };
  // An object's key and its template. A named struct, not std::pair<std::string, Node>: libstdc++'s
  // pair asks whether Node is default-constructible while Node is still being defined, which clang
  // refuses (GCC accepts it).
  struct Member;
  struct Node {
    enum class Kind { kConstant, kWholeRef, kInterpolated, kObject, kArray } kind = Kind::kConstant;
    Json constant;
    std::optional<Reference> ref;
    std::vector<Piece> pieces;
    Interpolation encoding = Interpolation::kRaw;
    std::vector<Member> members;
    std::vector<Node> items;
  };
  struct Member {
    std::string key;
    Node value;
  };

 private:
  Node root_;
  std::vector<std::size_t> step_refs_;
};

}  // namespace mosaic::tmpl
