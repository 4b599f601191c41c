CREATE TABLE t916 (id bigint PRIMARY KEY, name text NOT NULL);
