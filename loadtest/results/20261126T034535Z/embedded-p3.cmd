cuocthi-load --scenario surge --target http://127.0.0.1:18181 --contestants 5000 --rate 500 --phone-offset 50000000 --server-pid 20029
