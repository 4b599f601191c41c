CREATE TABLE t168 (id bigint PRIMARY KEY, name text NOT NULL);
