CREATE TABLE t668 (id bigint PRIMARY KEY, name text NOT NULL);
