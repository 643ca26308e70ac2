#define DMSIM_VERSION "0.9.0"
