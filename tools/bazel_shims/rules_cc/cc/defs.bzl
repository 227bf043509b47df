"""Offline forwarder: @rules_cc//cc:defs.bzl rules mapped to Bazel 4.2.3's native C++ rules."""

def cc_binary(**kwargs):
    # buildifier: disable=native-cc-binary
    native.cc_binary(**kwargs)

def cc_import(**kwargs):
    # buildifier: disable=native-cc-import
    native.cc_import(**kwargs)

def cc_library(**kwargs):
    # buildifier: disable=native-cc-library
    native.cc_library(**kwargs)

def cc_proto_library(**kwargs):
    # buildifier: disable=native-cc-proto
    native.cc_proto_library(**kwargs)

def cc_test(**kwargs):
    # buildifier: disable=native-cc-test
    native.cc_test(**kwargs)

def cc_toolchain(**kwargs):
    # buildifier: disable=native-cc-toolchain
    native.cc_toolchain(**kwargs)

def cc_toolchain_suite(**kwargs):
    # buildifier: disable=native-cc-toolchain-suite
    native.cc_toolchain_suite(**kwargs)

def fdo_prefetch_hints(**kwargs):
    # buildifier: disable=native-cc-fdo-prefetch-hints
    native.fdo_prefetch_hints(**kwargs)

def fdo_profile(**kwargs):
    # buildifier: disable=native-cc-fdo-profile
    native.fdo_profile(**kwargs)

def objc_import(**kwargs):
    # buildifier: disable=native-cc-objc-import
    native.objc_import(**kwargs)

def objc_library(**kwargs):
    # buildifier: disable=native-cc-objc-library
    native.objc_library(**kwargs)
