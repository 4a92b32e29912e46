cuocthi-load --scenario journey --target http://127.0.0.1:18199 --concurrency 200 --seconds 20 --no-verify --server-pid 20046
