cuocthi-load --scenario journey --target http://127.0.0.1:18181 --concurrency 200 --seconds 20 --phone-offset 5000000 --server-pid 20029
