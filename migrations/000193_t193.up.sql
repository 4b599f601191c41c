CREATE TABLE t193 (id bigint PRIMARY KEY, name text NOT NULL);
