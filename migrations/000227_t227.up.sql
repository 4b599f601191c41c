CREATE TABLE t227 (id bigint PRIMARY KEY, name text NOT NULL);
