CREATE TABLE t661 (id bigint PRIMARY KEY, name text NOT NULL);
