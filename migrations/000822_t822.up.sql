CREATE TABLE t822 (id bigint PRIMARY KEY, name text NOT NULL);
