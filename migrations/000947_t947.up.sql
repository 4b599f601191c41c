CREATE TABLE t947 (id bigint PRIMARY KEY, name text NOT NULL);
