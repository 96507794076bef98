// mosaicctl: the operator's tool (validate, routes, explain). The commands live in engine/ctl so
// tests can run them in-process; docs/mosaicctl.md is the manual.
#include <iostream>
#include <string>
#include <vector>

#include "ctl/ctl.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return mosaic::ctl::run(args, std::cout, std::cerr);
}
