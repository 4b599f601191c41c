CREATE TABLE t123 (id bigint PRIMARY KEY, name text NOT NULL);
