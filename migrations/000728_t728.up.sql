CREATE TABLE t728 (id bigint PRIMARY KEY, name text NOT NULL);
