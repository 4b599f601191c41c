CREATE TABLE t733 (id bigint PRIMARY KEY, name text NOT NULL);
