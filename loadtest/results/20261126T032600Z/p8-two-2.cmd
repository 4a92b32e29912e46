cuocthi-load --scenario journey --target http://127.0.0.1:18181 --target http://127.0.0.1:18182 --concurrency 200 --seconds 20 --phone-offset 22000000 --server-pid 6437 --server-pid 6454
