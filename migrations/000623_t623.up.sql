CREATE TABLE t623 (id bigint PRIMARY KEY, name text NOT NULL);
