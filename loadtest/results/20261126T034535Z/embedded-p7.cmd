cuocthi-load --scenario hold --target http://127.0.0.1:18181 --contestants 10000 --concurrency 50 --hold-secs 10 --phone-offset 60000000 --server-pid 20323
