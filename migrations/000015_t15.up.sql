CREATE TABLE t15 (id bigint PRIMARY KEY, name text NOT NULL);
