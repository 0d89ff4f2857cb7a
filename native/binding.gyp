{
  "targets": [
    {
      "target_name": "relaxjs_native",
      "sources": [
        "addon.cc",
        "pool.cc",
        "gemm.cc",
        "conv.cc",
        "conv-narrow.cc",
        "elementwise.cc",
        "interval.cc",
        "relax-step.cc"
      ],
      "cflags_cc!": [
        "-fno-exceptions",
        "-std=gnu++1y",
        "-std=gnu++14",
        "-O2"
      ],
      "cflags_cc": [
        "-std=gnu++17",
        "-O3",
        "-march=native",
        "-ffp-contract=fast",
        "-fno-math-errno",
        "-fexceptions"
      ],
      "cflags!": [
        "-O2"
      ],
      "ldflags": [
        "-pthread"
      ],
      "defines": [
        "NAPI_VERSION=8"
      ]
    }
  ]
}
